import CNISpec

/// YAML as Kubernetes reads it (kubeconfigs, manifests): libyaml's parser,
/// composed into our lossless `JSONValue` and typed as sigs.k8s.io/yaml does.
/// No regular expressions, no Foundation.
package enum YAML {
    /// Every document of a stream (`---` separated), in order. An empty stream
    /// has none; an empty document is `null`.
    package static func documents(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> [JSONValue] {
        try YAMLComposer.documents(bytes, limits: limits)
    }

    package static func documents(_ text: String, limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> [JSONValue] {
        try documents(Array(text.utf8), limits: limits)
    }

    /// The first document, or nil for an empty stream.
    package static func document(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> JSONValue? {
        try documents(bytes, limits: limits).first
    }

    /// Block-style YAML that reads back as `value`; several documents are
    /// separated by `---`.
    package static func emit(_ value: JSONValue) -> String {
        var emitter = YAMLEmitter()
        emitter.document(value)
        return emitter.output
    }

    package static func emit(documents: [JSONValue]) -> String {
        var emitter = YAMLEmitter()
        for (index, document) in documents.enumerated() {
            if index > 0 { emitter.output += "---\n" }
            emitter.document(document)
        }
        return emitter.output
    }
}
