import CNISpec

/// A pod's `status` as the kubelet and the scheduler leave it for DRA:
/// `resourceClaimStatuses` (pod claim name → ResourceClaim name) and, for
/// KEP-5004, `extendedResourceClaimStatus` with its (resourceName,
/// requestName) mappings for container "app".
package func podClaimStatus(claims: [(String, String)], extended: (String, [(String, String)])? = nil) -> JSONValue {
    var status: JSONValue = ["resourceClaimStatuses": .array(claims.map {
        ["name": .string($0.0), "resourceClaimName": .string($0.1)]
    })]
    if let (claim, mappings) = extended {
        status["extendedResourceClaimStatus"] = [
            "resourceClaimName": .string(claim),
            "requestMappings": .array(mappings.map {
                ["containerName": "app", "resourceName": .string($0.0), "requestName": .string($0.1)]
            }),
        ]
    }
    return status
}
