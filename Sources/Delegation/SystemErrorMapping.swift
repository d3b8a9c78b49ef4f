import CNISpec
import SystemSupport

extension SystemError {
    /// A failed file or process operation is CNI's I/O error (code 5); the text
    /// names the path and errno's reason.
    package var cniError: CNIError { .io(description) }
}
