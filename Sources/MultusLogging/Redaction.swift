import CNISpec

/// What a secret is replaced by in logs.
package let redactedPlaceholder = "<redacted>"

/// A copy of `value` fit for a log: the value of every member whose key names a
/// secret (token, password, secret, key, keyData, client-key-data, bearer,
/// authorization, …; any case, `-`/`_`/`.` ignored) becomes "<redacted>", at
/// any depth, and strings lose `Bearer` tokens and embedded JSON secrets (a
/// NetworkAttachmentDefinition's `config` is JSON inside a string).
package func redactedForLog(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let object):
        var result = JSONObject()
        for member in object {
            if isSecretKey(member.key) && !member.value.isNull {
                result[member.key] = .string(redactedPlaceholder)
            } else {
                result[member.key] = redactedForLog(member.value)
            }
        }
        return .object(result)
    case .array(let elements):
        return .array(elements.map(redactedForLog))
    case .string(let text):
        return .string(redactedForLog(text))
    case .null, .bool, .number:
        return value
    }
}

/// `text` with `Bearer <token>` and JSON members `"<secret key>": "<value>"` masked.
package func redactedForLog(_ text: String) -> String {
    var bytes = Array(text.utf8)
    var changed = maskBearerTokens(&bytes)
    changed = maskJSONSecrets(&bytes) || changed
    return changed ? String(decoding: bytes, as: UTF8.self) : text
}

/// Whether a member with this key holds a secret.
package func isSecretKey(_ key: String) -> Bool {
    var normalized = ""
    for scalar in key.unicodeScalars {
        switch scalar {
        case "A"..."Z": normalized.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
        case "a"..."z", "0"..."9": normalized.unicodeScalars.append(scalar)
        default: continue
        }
    }
    if secretKeys.contains(normalized) { return true }
    return secretKeySuffixes.contains { normalized.hasSuffix($0) }
}

private let secretKeys: Set<String> = ["auth", "bearer", "cookie", "setcookie", "credentials", "credential"]
/// Covers token, bearerToken, id-token, password, client-secret, key, keyData,
/// client-key-data, privateKey, tls.key, apiKey, authorization, passphrase.
private let secretKeySuffixes = [
    "token", "password", "passwd", "secret", "key", "keydata", "authorization", "passphrase", "credentials",
]

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

private func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 }

/// `Bearer abc.def` → `Bearer <redacted>` (any case, one or more blanks between).
private func maskBearerTokens(_ bytes: inout [UInt8]) -> Bool {
    let word = Array("bearer".utf8)
    var changed = false
    var i = 0
    while i + word.count < bytes.count {
        var matches = true
        for (k, c) in word.enumerated() where bytes[i + k] | 0x20 != c {
            matches = false
            break
        }
        // Only the word itself, not the end of a longer one ("forbearer").
        if matches && i > 0 && isWordByte(bytes[i - 1]) { matches = false }
        guard matches else {
            i += 1
            continue
        }
        var start = i + word.count
        guard start < bytes.count, bytes[start] == 32 || bytes[start] == 9 else {
            i = start
            continue
        }
        while start < bytes.count && (bytes[start] == 32 || bytes[start] == 9) { start += 1 }
        var end = start
        while end < bytes.count && !isTokenEnd(bytes[end]) { end += 1 }
        let placeholder = Array(redactedPlaceholder.utf8)
        guard end > start && Array(bytes[start..<end]) != placeholder else {
            // Nothing to mask: go on right after it (a later `Bearer` may be within reach).
            i = end
            continue
        }
        bytes.replaceSubrange(start..<end, with: placeholder)
        changed = true
        i = start + placeholder.count
    }
    return changed
}

private func isWordByte(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122) || b == UInt8(ascii: "_")
}

private func isTokenEnd(_ b: UInt8) -> Bool {
    isSpace(b) || b == quote || b == backslash || b == UInt8(ascii: "'") || b == UInt8(ascii: ",")
        || b == UInt8(ascii: ";") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == UInt8(ascii: ")")
}

/// `"password": "hunter2"` → `"password": "<redacted>"` wherever JSON text
/// appears in a message, and one level down inside a JSON string
/// (`"config": "{\"token\": \"x\"}"`), as when a config is logged as a string.
private func maskJSONSecrets(_ bytes: inout [UInt8]) -> Bool {
    let masked = JSONSecretMasker(bytes: bytes).mask(0..<bytes.count, level: 0)
    guard masked != bytes else { return false }
    bytes = masked
    return true
}

private struct JSONSecretMasker {
    let bytes: [UInt8]

    /// The character of the JSON text at `level` that starts at `k`, and how many
    /// bytes it takes: at level 1 the text is itself inside a JSON string, so
    /// `\"` is a quote and `\\` a backslash.
    func character(at k: Int, level: Int, end: Int) -> (UInt8, Int) {
        guard level > 0, bytes[k] == backslash, k + 1 < end else { return (bytes[k], 1) }
        switch bytes[k + 1] {
        case quote: return (quote, 2)
        case backslash: return (backslash, 2)
        default: return (0, 2)
        }
    }

    /// Where the string whose content starts at `start` closes (the first byte of its closing quote).
    func closingQuote(from start: Int, level: Int, end: Int) -> Int? {
        var k = start
        while k < end {
            let (c, length) = character(at: k, level: level, end: end)
            if c == quote { return k }
            if c == backslash {
                guard k + length < end else { return nil }
                k += length + character(at: k + length, level: level, end: end).1
                continue
            }
            k += length
        }
        return nil
    }

    func mask(_ range: Range<Int>, level: Int) -> [UInt8] {
        let end = range.upperBound
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var k = range.lowerBound
        while k < end {
            let (c, openLength) = character(at: k, level: level, end: end)
            guard c == quote else {
                out += bytes[k..<k + openLength]
                k += openLength
                continue
            }
            let contentStart = k + openLength
            guard let close = closingQuote(from: contentStart, level: level, end: end) else {
                out += bytes[k..<end]
                break
            }
            let afterString = close + character(at: close, level: level, end: end).1
            var p = afterString
            while p < end && isSpace(bytes[p]) { p += 1 }
            if p < end && bytes[p] == UInt8(ascii: ":") {
                // A member name: mask a string value when the name is a secret's.
                out += bytes[k..<afterString]
                k = afterString
                let name = String(decoding: bytes[contentStart..<close], as: UTF8.self)
                guard isSecretKey(name) else { continue }
                var q = p + 1
                while q < end && isSpace(bytes[q]) { q += 1 }
                guard q < end else { continue }
                let (v, valueOpenLength) = character(at: q, level: level, end: end)
                guard v == quote,
                    let valueClose = closingQuote(from: q + valueOpenLength, level: level, end: end)
                else { continue }
                out += bytes[afterString..<(q + valueOpenLength)]
                out += Array(redactedPlaceholder.utf8)
                let valueEnd = valueClose + character(at: valueClose, level: level, end: end).1
                out += bytes[valueClose..<valueEnd]
                k = valueEnd
            } else {
                // A string value: it may hold JSON of its own.
                out += bytes[k..<contentStart]
                let content = contentStart..<close
                if level == 0 && bytes[content].contains(backslash) {
                    out += mask(content, level: 1)
                } else {
                    out += bytes[content]
                }
                out += bytes[close..<afterString]
                k = afterString
            }
        }
        return out
    }
}
