/// Primary CNI configs as the common network plugins write them.
enum Fixtures {
    /// Cilium's file: a conflist of one plugin.
    static let cilium = """
        {
          "cniVersion": "0.3.1",
          "name": "cilium",
          "plugins": [
            {
               "type": "cilium-cni",
               "enable-debug": false,
               "log-file": "/var/run/cilium/cilium-cni.log"
            }
          ]
        }
        """

    /// flannel's file: flannel plus portmap for hostPort.
    static let flannel = """
        {
          "name": "cbr0",
          "cniVersion": "0.3.1",
          "plugins": [
            { "type": "flannel", "delegate": { "hairpinMode": true, "isDefaultGateway": true } },
            { "type": "portmap", "capabilities": { "portMappings": true } }
          ]
        }
        """

    /// A single conf, 0.3.1 (Calico-era style).
    static let bridgeConf = """
        {"cniVersion":"0.3.1","name":"k8s-pod-network","type":"bridge","bridge":"cni0","capabilities":{"bandwidth":true},"ipam":{"type":"host-local","subnet":"10.244.0.0/24"}}
        """

    /// kindnet on a recent kind: a 1.0.0 conflist.
    static let kindnet = """
        {
          "cniVersion": "1.0.0",
          "name": "kindnet",
          "plugins": [
            { "type": "ptp", "ipMasq": false, "ipam": { "type": "host-local", "dataDir": "/run/cni-ipam-state",
              "routes": [{ "dst": "0.0.0.0/0" }], "ranges": [[{ "subnet": "10.244.1.0/24" }]] }, "mtu": 1500 },
            { "type": "portmap", "capabilities": { "portMappings": true } },
            { "type": "bandwidth", "capabilities": { "bandwidth": true, "portMappings": false } }
          ]
        }
        """
}
