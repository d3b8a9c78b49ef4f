import CNISpec
import Testing
import YAML

/// The YAML composer: typing as sigs.k8s.io/yaml (go-yaml v2) does, order,
/// anchors, limits, errors that name the place but not the text.
@Suite struct YAMLTests {
    func value(_ scalar: String) throws -> JSONValue? {
        try YAML.document(Array("v: \(scalar)\n".utf8))?["v"]
    }

    /// go-yaml v2's resolve table, value by value.
    @Test(arguments: [
        ("true", JSONValue.bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)), ("tRUE", .string("tRUE")),
        ("yes", .bool(true)), ("Yes", .bool(true)), ("YES", .bool(true)), ("y", .bool(true)), ("Y", .bool(true)),
        ("on", .bool(true)), ("On", .bool(true)), ("ON", .bool(true)), ("oN", .string("oN")),
        ("false", .bool(false)), ("no", .bool(false)), ("No", .bool(false)), ("n", .bool(false)), ("N", .bool(false)),
        ("off", .bool(false)), ("OFF", .bool(false)),
        ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null), ("nULL", .string("nULL")),
        ("0", .number("0")), ("-0", .number("0")), ("+12", .number("12")), ("1_000", .number("1000")),
        ("0x1F", .number("31")), ("0X1f", .number("31")), ("-0x10", .number("-16")), ("0o17", .number("15")),
        ("017", .number("15")), ("0b101", .number("5")), ("-0b101", .number("-5")),
        ("9223372036854775807", .number("9223372036854775807")), ("-9223372036854775808", .number("-9223372036854775808")),
        ("18446744073709551615", .number("18446744073709551615")),
        ("08", .number("8")), ("1.5", .number("1.5")), ("-1.5e3", .number("-1.5e3")), ("1e3", .number("1e3")),
        ("+1.", .number("1")), (".5", .number("0.5")), ("-.5", .number("-0.5")), ("007.50", .number("7.50")),
        ("1e400", .string("1e400")), ("0x", .string("0x")), ("0xG", .string("0xG")), ("1.2.3", .string("1.2.3")),
        ("12:30", .string("12:30")), ("2001-12-14", .string("2001-12-14")), ("_1", .string("_1")),
        ("+", .string("+")), ("-x", .string("-x")), (".", .string(".")), ("<<x", .string("<<x")),
        ("\"true\"", .string("true")), ("'123'", .string("123")), ("\"\"", .string("")), ("!!str 12", .string("12")),
        ("!!str yes", .string("yes")), ("!!int \"12\"", .number("12")), ("!!bool \"yes\"", .bool(true)),
        ("!!float 1", .number("1")), ("!custom 12", .string("12")), ("!!binary aGVsbG8=", .string("hello")),
        ("hello world", .string("hello world")),
    ])
    func scalarsAreTypedAsGoYAMLv2Does(_ scalar: String, _ expected: JSONValue) throws {
        #expect(try value(scalar) == expected)
    }

    @Test(arguments: [".inf", "-.Inf", "+.INF", ".nan", ".NaN"])
    func nonFiniteFloatsAreRefusedAsJSONCannotHoldThem(_ scalar: String) {
        #expect(throws: YAMLError(line: 1, column: 4, problem: "an infinite or NaN number cannot be represented in JSON")) {
            try value(scalar)
        }
    }

    @Test func aTagTheTextDoesNotFitIsAnError() {
        #expect(throws: YAMLError(line: 1, column: 4, problem: "the scalar is not a valid !!int")) { try value("!!int abc") }
    }

    @Test func mappingsKeepTheirOrderAndKeysBecomeStrings() throws {
        let doc = try #require(try YAML.document(Array("z: 1\na: 2\nyes: 3\n0x10: 4\nm: {b: [1, two]}\n".utf8)))
        #expect(doc.objectValue?.keys == ["z", "a", "true", "16", "m"])
        #expect(doc["m"] == ["b": [1, "two"]])
        #expect(throws: YAMLError.self) { try YAML.document(Array("? [a]\n: 1\n".utf8)) }
    }

    @Test func multiDocumentStreams() throws {
        let docs = try YAML.documents(Array("a: 1\n---\n---\nb: 2\n...\n".utf8))
        #expect(docs == [["a": 1], .null, ["b": 2]])
        #expect(try YAML.documents(Array("".utf8)).isEmpty)
        #expect(try YAML.documents(Array("# only a comment\n".utf8)).isEmpty)
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let text = """
            base: &base {image: busybox, pull: Always}
            copy: *base
            list: [&x 1, *x]
            merged:
              <<: *base
              pull: Never
            many:
              <<: [{a: 1}, {a: 2, b: 2}]
            """
        let doc = try #require(try YAML.document(Array(text.utf8)))
        #expect(doc["copy"] == ["image": "busybox", "pull": "Always"])
        #expect(doc["list"] == [1, 1])
        #expect(doc["merged"] == ["image": "busybox", "pull": "Never"])
        #expect(doc["many"] == ["a": 1, "b": 2])
        #expect(throws: YAMLError.self) { try YAML.document(Array("a: *nowhere\n".utf8)) }
    }

    @Test func anAliasBombFailsFastOnTheNodeBudget() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try YAML.document(Array(text.utf8))
            Issue.record("expected the budget to stop it")
        } catch {
            #expect(error.problem == "the document expands to more than 1000000 nodes (aliases included)")
        }
        print("measure: alias bomb (10^10 nodes) refused after \(start.duration(to: clock.now))")
    }

    @Test func deepNestingFailsAtTheDepthLimit() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: YAMLError(line: 1, column: 257, problem: "nesting deeper than 256 levels")) {
            try YAML.document(Array(deep.utf8))
        }
        var block = ""
        for level in 0..<300 { block += String(repeating: " ", count: level) + "k:\n" }
        #expect(throws: YAMLError.self) { try YAML.document(Array(block.utf8)) }
        // Aliases count with their own depth.
        let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: YAMLError.self) { try YAML.document(Array("a: &a \(nested)\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n".utf8)) }
    }

    @Test func syntaxErrorsNameLineAndColumnButNotTheText() {
        do {
            _ = try YAML.document(Array("users:\n- name: u\n  user:\n    token: \"super-secret-token\n  : [\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.line >= 4)
            #expect(!error.description.contains("super-secret"))
        }
    }

    @Test func emitterRoundTripsEveryValue() throws {
        let value: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "web-1", "annotations": [
                "k8s.v1.cni.cncf.io/network-status": "[{\"name\":\"cbr0\",\"ips\":[\"10.1.0.5\"]}]",
                "multi": "line one\nline two\n", "yes": "yes", "num": "0123", "empty": "", "space": " lead",
                "unicode": "grüße \u{2028} ok", "colon": "a: b", "hash": "a #b", "dash": "- x", "null": "~",
            ]],
            "spec": ["containers": [["name": "app", "ports": [80, 443], "env": []], ["name": "b", "args": [["x"]]]],
                     "flag": true, "none": .null, "ratio": .number("1.5e3"), "obj": [:]],
            "list": [[1, 2], [], ["k": "v"]],
        ]
        let text = YAML.emit(value)
        #expect(try YAML.document(Array(text.utf8)) == value)
        #expect(text.contains("name: web-1\n"))
        #expect(text.contains("\"yes\": \"yes\""))
        let docs: [JSONValue] = [["a": 1], "text", [1, 2]]
        #expect(try YAML.documents(Array(YAML.emit(documents: docs).utf8)) == docs)
    }

    /// Found by `make fuzz` (yaml): these were written unescaped, and libyaml
    /// refuses to read a file with them ("control characters are not allowed").
    @Test(arguments: ["\u{80}", "a\u{9F}b", "\u{FFFE}", "x\u{FFFF}", "\u{7F}\u{85}"])
    func charactersLibyamlDoesNotReadAreEscaped(_ text: String) throws {
        let value: JSONValue = ["k": .string(text)]
        #expect(try YAML.document(Array(YAML.emit(value).utf8)) == value)
    }

    /// Found by `make fuzz` (yaml): `-0.` reads as the float -0, which was
    /// written as `-0` and read back as the integer 0.
    @Test func negativeZeroRoundTrips() throws {
        let value = try #require(try YAML.document(Array("[-0., -0, -0.0]\n".utf8)))
        #expect(value == [.number("-0"), .number("0"), .number("-0.0")])
        #expect(try YAML.document(Array(YAML.emit(value).utf8)) == value)
    }
}
