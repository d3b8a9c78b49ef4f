import Testing
@testable import CNISpec

@Suite struct JSONValueTests {
    private func syntaxError(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try JSONValue(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test func roundTripKeepsMemberOrder() throws {
        let text = #"{"zeta":1,"alpha":{"y":[true,false,null],"b":"x"},"mid":[],"empty":{}}"#
        let value = try JSONValue(parsing: text)
        #expect(value.serialized == text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid", "empty"])
        #expect(value["alpha"]?.objectValue?.keys == ["y", "b"])
    }

    @Test func roundTripKeepsExactNumberText() throws {
        let text = #"[9223372036854775807,-9223372036854775808,1e400,0.10,-0,1E+2,123456789012345678901234567890]"#
        let value = try JSONValue(parsing: text)
        #expect(value.serialized == text)
        #expect(value.arrayValue?[0].intValue == Int.max)
        #expect(value.arrayValue?[1].intValue == Int.min)
        #expect(value.arrayValue?[2] == .number("1e400"))
        // Not an exact integer: no silent rounding through Double.
        #expect(value.arrayValue?[6].intValue == nil)
    }

    @Test func unicodeEscapesDecode() throws {
        #expect(try JSONValue(parsing: #""caf\u00e9 \u00E9""#) == .string("café é"))
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue(parsing: #""a\u0000b""#) == .string("a\u{0}b"))
        #expect(try JSONValue(parsing: #""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    @Test func loneSurrogateBecomesReplacementCharacter() throws {
        #expect(try JSONValue(parsing: #""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try JSONValue(parsing: #""\ude00""#) == .string("\u{FFFD}"))
        // A high surrogate followed by a non-surrogate escape keeps that escape.
        #expect(try JSONValue(parsing: #""\ud83d\u0041""#) == .string("\u{FFFD}A"))
    }

    @Test func rawUTF8PassesThrough() throws {
        let value = try JSONValue(parsing: "\"ñ😀\"")
        #expect(value == .string("ñ😀"))
        #expect(value.serialized == "\"ñ😀\"")
    }

    @Test func trailingGarbageIsAnErrorAtItsOffset() {
        let error = syntaxError(#"{"a":1} x"#)
        #expect(error?.offset == 8)
        #expect(error?.reason.contains("after the value") == true)
    }

    @Test func unterminatedStringIsAnError() {
        #expect(syntaxError(#""abc"#)?.offset == 4)
        #expect(syntaxError(#""abc"#)?.reason == "unterminated string")
        #expect(syntaxError(#"{"a":"b"#) != nil)
    }

    @Test func leadingZerosAreRejected() {
        #expect(syntaxError("01")?.offset == 1)
        #expect(syntaxError("[01]")?.offset == 2)
        #expect(syntaxError("-01") != nil)
        #expect(syntaxError("0") == nil)
        #expect(syntaxError("-0.5") == nil)
    }

    @Test func malformedNumbersAreRejected() {
        #expect(syntaxError("1.") != nil)
        #expect(syntaxError("1e") != nil)
        #expect(syntaxError("-") != nil)
        #expect(syntaxError(".5") != nil)
        #expect(syntaxError("+1") != nil)
    }

    @Test func controlCharacterInStringIsRejected() {
        let error = syntaxError("\"a\u{01}b\"")
        #expect(error?.offset == 2)
        #expect(error?.reason == "control character in string")
        #expect(syntaxError("\"a\nb\"")?.offset == 2)
    }

    @Test func structuralErrorsReportWhereReadingStopped() {
        #expect(syntaxError("")?.offset == 0)
        #expect(syntaxError("   ")?.offset == 3)
        #expect(syntaxError(#"{"a":1,}"#)?.offset == 7)
        #expect(syntaxError("[1,]")?.offset == 3)
        #expect(syntaxError(#"{"a" 1}"#)?.offset == 5)
        #expect(syntaxError("tru")?.offset == 0)
        #expect(syntaxError(#""\x""#)?.offset == 2)
        #expect(syntaxError(#""\u12G4""#) != nil)
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        let value = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        #expect(value["a"] == 3)
        #expect(value.objectValue?.count == 2)
        #expect(value.serialized == #"{"a":3,"b":2}"#)
    }

    @Test func nestingDeeperThan512IsRejected() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(syntaxError(ok) == nil)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let error = syntaxError(tooDeep)
        #expect(error?.reason.contains("nesting") == true)
        #expect(error?.offset == 512)
        let objects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        #expect(syntaxError(objects)?.reason.contains("nesting") == true)
    }

    @Test func serializedEscapesControlCharacters() throws {
        let value = JSONValue.string("q\"b\\n\n r\r t\t \u{08}\u{0C} \u{01}\u{1F}\u{0} /\u{7F}é")
        #expect(value.serialized == #""q\"b\\n\n r\r t\t \b\f \u0001\u001f\u0000 /"# + "\u{7F}é\"")
        // What we write, we read back.
        #expect(try JSONValue(parsing: value.serialized) == value)
    }

    @Test func serializedEscapesKeysToo() throws {
        let value: JSONValue = .object(JSONObject([("a\"\n", 1)]))
        #expect(value.serialized == #"{"a\"\n":1}"#)
    }

    @Test func prettyIndentsByTwoSpaces() throws {
        let value = try JSONValue(parsing: #"{"a":[1,{}],"b":{"c":null}}"#)
        #expect(value.pretty == "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n    \"c\": null\n  }\n}")
        #expect(try JSONValue(parsing: value.pretty).serialized == value.serialized)
    }

    @Test func settingAMemberReplacesInPlaceAndNilRemoves() {
        var value: JSONValue = ["a": 1, "b": 2, "c": 3]
        value["a"] = "x"
        value["b"] = nil
        value["d"] = true
        #expect(value.serialized == #"{"a":"x","c":3,"d":true}"#)
    }

    @Test func objectEqualityIgnoresMemberOrder() throws {
        #expect(try JSONValue(parsing: #"{"a":1,"b":2}"#) == JSONValue(parsing: #"{"b":2,"a":1}"#))
        #expect(try JSONValue(parsing: #"{"a":1,"b":2}"#) != JSONValue(parsing: #"{"a":1,"b":3}"#))
    }
}
