/// Why a YAML text could not be read. It names the place (1-based line and
/// column) and the problem in general terms, never the text found there: a
/// kubeconfig line may hold a token.
package struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var column: Int
    package var problem: String

    package init(line: Int, column: Int, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    package var description: String { "line \(line), column \(column): \(problem)" }
}

/// Bounds on what one stream may make us build, so that an alias bomb or a
/// deeply nested document fails at once instead of eating memory and time.
package struct YAMLLimits: Sendable, Equatable {
    /// Nodes produced over the whole stream, every alias expansion counted in full.
    package var maximumNodes: Int
    /// Mappings and sequences open at once (aliases count with their own depth).
    package var maximumDepth: Int

    package init(maximumNodes: Int = 1_000_000, maximumDepth: Int = 256) {
        self.maximumNodes = maximumNodes
        self.maximumDepth = maximumDepth
    }
}
