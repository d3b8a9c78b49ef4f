/// The annotations of the Network Plumbing WG multi-net spec and Multus, named once.
package enum WellKnownAnnotation {
    /// The pod's requested networks.
    package static let networks = "k8s.v1.cni.cncf.io/networks"
    /// What the pod got, written by the meta-plugin.
    package static let networkStatus = "k8s.v1.cni.cncf.io/network-status"
    /// The pod's replacement for the cluster network.
    package static let defaultNetwork = "v1.multus-cni.io/default-network"
    /// The device resource a NetworkAttachmentDefinition draws from.
    package static let resourceName = "k8s.v1.cni.cncf.io/resourceName"
}
