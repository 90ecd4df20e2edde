import CZlib
import Foundation
import SaigaTestSupport
import Testing

@testable import Saiga
@testable import SaigaIngest

// MARK: - Helpers

/// Runs `body` with a fresh temporary directory (unique per call: tests run in parallel) and removes it afterwards.
private func withLineReaderTempDir<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("saiga-linereader-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

private func writeFile(_ bytes: [UInt8], to url: URL) throws {
    try Data(bytes).write(to: url)
}

private struct ReadLine: Equatable, CustomStringConvertible {
    var bytes: [UInt8]
    var number: Int
    var description: String {
        "\(number):\(String(decoding: bytes.prefix(40), as: UTF8.self).debugDescription)(\(bytes.count))"
    }
}

private func readAllLines(_ path: String, maxLineBytes: Int = 64 << 20) throws -> [ReadLine] {
    let reader = try LineReader(path: path, maxLineBytes: maxLineBytes)
    var lines: [ReadLine] = []
    try reader.forEachLine { line, number in
        lines.append(ReadLine(bytes: Array(line), number: number))
        return true
    }
    return lines
}

/// Reads lines until an error; returns the lines yielded before it and the error.
private func readLinesUntilError(
    _ path: String, maxLineBytes: Int = 64 << 20
) -> (lines: [ReadLine], error: LineReaderError?) {
    var lines: [ReadLine] = []
    do {
        let reader = try LineReader(path: path, maxLineBytes: maxLineBytes)
        try reader.forEachLine { line, number in
            lines.append(ReadLine(bytes: Array(line), number: number))
            return true
        }
        return (lines, nil)
    } catch let error as LineReaderError {
        return (lines, error)
    } catch {
        Issue.record("unexpected error type: \(error)")
        return (lines, nil)
    }
}

/// The reference split: lines end at "\n", a "\r" before the "\n" is dropped, a final unterminated line counts.
private func referenceLines(_ bytes: [UInt8]) -> [ReadLine] {
    var lines: [ReadLine] = []
    var start = 0
    // firstIndex(of:) runs at stdlib speed even in debug builds.
    while let newline = bytes[start...].firstIndex(of: 0x0A) {
        var end = newline
        if end > start && bytes[end - 1] == 0x0D { end -= 1 }
        lines.append(ReadLine(bytes: Array(bytes[start..<end]), number: lines.count + 1))
        start = newline + 1
    }
    if start < bytes.count { lines.append(ReadLine(bytes: Array(bytes[start...]), number: lines.count + 1)) }
    return lines
}

/// One gzip member holding `data`, made with zlib's deflate.
private func gzipMember(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }
    // windowBits 15 + 16: gzip wrapper.
    let rc = deflateInit2_(
        stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    precondition(rc == Z_OK)
    let bound = Int(deflateBound(stream, UInt(data.count))) + 64
    var output = [UInt8](repeating: 0, count: bound)
    var input = data
    let produced = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            stream.pointee.next_in = inBuffer.baseAddress
            stream.pointee.avail_in = UInt32(inBuffer.count)
            stream.pointee.next_out = outBuffer.baseAddress
            stream.pointee.avail_out = UInt32(outBuffer.count)
            let result = deflate(stream, Z_FINISH)
            precondition(result == Z_STREAM_END)
            return outBuffer.count - Int(stream.pointee.avail_out)
        }
    }
    return Array(output[..<produced])
}

/// Deterministic text: `count` lines of varying length.
private func sampleJSONL(lines count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed
    var out: [UInt8] = []
    let words = ["alpha", "beta", "gamma", "délta", "epsilon", "zeta", "\"eta\"", "θ", "iota", "kappa"]
    for k in 0..<count {
        out += Array("{\"id\":\"doc\(k)\",\"text\":\"".utf8)
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        for _ in 0..<Int(state >> 58) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out += Array(words[Int(state >> 60) % words.count].utf8) + [0x20]
        }
        out += Array("\"}\n".utf8)
    }
    return out
}

@Suite("LineReader")
struct LineReaderTests {
    // MARK: - Plain files

    @Test func readsLFTerminatedLines() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("a.jsonl")
            try writeFile(Array("first\nsecond line\n\nfourth\n".utf8), to: file)
            let lines = try readAllLines(file.path)
            #expect(lines.map { String(decoding: $0.bytes, as: UTF8.self) } == ["first", "second line", "", "fourth"])
            #expect(lines.map(\.number) == [1, 2, 3, 4])
        }
    }

    @Test func stripsCRLFButKeepsOtherCarriageReturns() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("crlf.jsonl")
            try writeFile(Array("a\r\nb\nc\rd\r\n\r\n\re\r".utf8), to: file)
            let lines = try readAllLines(file.path).map { String(decoding: $0.bytes, as: UTF8.self) }
            // A final "\r" without "\n" is not a line terminator.
            #expect(lines == ["a", "b", "c\rd", "", "\re\r"])
        }
    }

    @Test func yieldsAFinalLineWithoutNewline() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("nofinal.jsonl")
            try writeFile(Array("one\ntwo".utf8), to: file)
            #expect(
                try readAllLines(file.path) == [
                    ReadLine(bytes: Array("one".utf8), number: 1), ReadLine(bytes: Array("two".utf8), number: 2),
                ])
            try writeFile(Array("x".utf8), to: file)
            #expect(try readAllLines(file.path) == [ReadLine(bytes: [0x78], number: 1)])
        }
    }

    @Test func emptyFilesAndBlankLines() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("empty.jsonl")
            try writeFile([], to: file)
            #expect(try readAllLines(file.path).isEmpty)
            let reader = try LineReader(path: file.path)
            #expect(reader.fileSize == 0)
            #expect(!reader.isGzip)

            try writeFile([0x0A], to: file)
            #expect(try readAllLines(file.path) == [ReadLine(bytes: [], number: 1)])
            try writeFile([0x0A, 0x0A], to: file)
            #expect(try readAllLines(file.path).count == 2)
            try writeFile([0x0D, 0x0A], to: file)
            #expect(try readAllLines(file.path) == [ReadLine(bytes: [], number: 1)])
            // A lone gzip magic byte is just a one-byte plain file.
            try writeFile([0x1F], to: file)
            #expect(try readAllLines(file.path) == [ReadLine(bytes: [0x1F], number: 1)])
        }
    }

    @Test func linesEndingExactlyAtTheBufferBoundary() throws {
        let chunk = LineReader.chunkSize
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("boundary.jsonl")
            for newlineAt in [chunk - 2, chunk - 1, chunk, chunk + 1, 2 * chunk - 1, 2 * chunk] {
                for crlf in [false, true] {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: newlineAt)
                    if crlf { bytes[newlineAt - 1] = 0x0D }
                    bytes += [0x0A] + Array("tail\n".utf8)
                    try writeFile(bytes, to: file)
                    let lines = try readAllLines(file.path)
                    #expect(lines == referenceLines(bytes), "newline at \(newlineAt), crlf \(crlf)")
                    #expect(lines.first?.bytes.count == (crlf ? newlineAt - 1 : newlineAt))
                }
            }
            // Many short lines, the boundary falling at every possible place within a line.
            var bytes: [UInt8] = []
            var k = 0
            while bytes.count < 3 * chunk + 100 {
                bytes += Array("line \(k) \(String(repeating: "x", count: k % 37))\r\n".utf8)
                k += 1
            }
            try writeFile(bytes, to: file)
            #expect(try readAllLines(file.path) == referenceLines(bytes))
        }
    }

    @Test func longLinesCrossingManyBuffers() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("long.jsonl")
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)
            var long = [UInt8]()
            long.reserveCapacity(5 << 20)
            for _ in 0..<((5 << 20) / 26) { long += alphabet }
            let bytes = Array("start\n".utf8) + long + [0x0A] + Array("middle\n".utf8) + long + long + Array("end".utf8)
            try writeFile(bytes, to: file)
            let lines = try readAllLines(file.path)
            #expect(lines.count == 4)
            #expect(lines == referenceLines(bytes))
            #expect(lines[3].bytes.count == 2 * long.count + 3)
        }
    }

    @Test func linesLongerThanTheLimitAreErrors() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("limit.jsonl")
            // Exactly at the limit is fine, also with "\r\n"; one byte more is an error naming the line.
            try writeFile(Array("0123456789\n0123456789\r\n01234567890\nnext\n".utf8), to: file)
            let (lines, error) = readLinesUntilError(file.path, maxLineBytes: 10)
            #expect(lines.count == 2)
            #expect(error == LineReaderError(kind: .lineTooLong(limit: 10), path: file.path, line: 3))
            #expect(error?.description == "\(file.path):3: line longer than the limit of 10 bytes")

            // Final line without newline.
            try writeFile(Array("ok\n01234567890".utf8), to: file)
            let final = readLinesUntilError(file.path, maxLineBytes: 10)
            #expect(final.lines.count == 1)
            #expect(final.error?.kind == .lineTooLong(limit: 10))
            #expect(final.error?.line == 2)

            // A line much longer than the buffer, detected while buffering (before its end is seen).
            let limit = 1 << 20
            let huge = Array("a\nb\n".utf8) + [UInt8](repeating: 0x41, count: 3 * limit) + Array("\nc\n".utf8)
            try writeFile(huge, to: file)
            let big = readLinesUntilError(file.path, maxLineBytes: limit)
            #expect(big.lines.map(\.bytes) == [[0x61], [0x62]])
            #expect(big.error == LineReaderError(kind: .lineTooLong(limit: limit), path: file.path, line: 3))
            // Just under the limit with a buffer that has to grow.
            let fits = [UInt8](repeating: 0x42, count: limit) + [0x0D, 0x0A] + [UInt8](repeating: 0x43, count: limit)
            try writeFile(fits, to: file)
            #expect(try readAllLines(file.path, maxLineBytes: limit).map(\.bytes.count) == [limit, limit])
        }
    }

    @Test func stopsEarlyAndResumes() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("resume.jsonl")
            try writeFile(Array("1\n2\n3\n4\n5".utf8), to: file)
            let reader = try LineReader(path: file.path)
            var seen: [Int] = []
            try reader.forEachLine { _, number in
                seen.append(number)
                return number < 2
            }
            #expect(seen == [1, 2])
            try reader.forEachLine { line, number in
                seen.append(number)
                #expect(Array(line) == Array("\(number)".utf8))
                return true
            }
            #expect(seen == [1, 2, 3, 4, 5])
            // At the end: nothing more.
            try reader.forEachLine { _, _ in
                Issue.record("no more lines expected")
                return true
            }
            #expect(reader.linesRead == 5)
        }
    }

    @Test func errorsThrownByTheBodyPropagate() throws {
        struct Stop: Error {}
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("body.jsonl")
            try writeFile(Array("a\nb\nc\n".utf8), to: file)
            let reader = try LineReader(path: file.path)
            #expect(throws: Stop.self) {
                try reader.forEachLine { _, number in
                    if number == 2 { throw Stop() }
                    return true
                }
            }
            var rest: [Int] = []
            try reader.forEachLine { _, number in
                rest.append(number)
                return true
            }
            #expect(rest == [3])
        }
    }

    @Test func reportsProgressAndSize() throws {
        try withLineReaderTempDir { dir in
            let text = sampleJSONL(lines: 50_000)
            let plain = dir.appendingPathComponent("p.jsonl")
            let compressed = dir.appendingPathComponent("p.jsonl.gz")
            let gz = gzipMember(text)
            try writeFile(text, to: plain)
            try writeFile(gz, to: compressed)
            for (url, size) in [(plain, text.count), (compressed, gz.count)] {
                let reader = try LineReader(path: url.path)
                #expect(reader.fileSize == size)
                #expect(reader.bytesRead <= size)
                var lines = 0
                try reader.forEachLine { _, _ in
                    lines += 1
                    return true
                }
                #expect(lines == 50_000)
                #expect(reader.bytesRead == size)
            }
        }
    }

    @Test func cannotOpenErrorsNameThePath() throws {
        try withLineReaderTempDir { dir in
            let missing = dir.appendingPathComponent("missing.jsonl").path
            do throws(LineReaderError) {
                _ = try LineReader(path: missing)
                Issue.record("expected an error")
            } catch {
                #expect(error.kind == .cannotOpen(errno: ENOENT))
                #expect(error.path == missing)
                #expect(error.line == nil)
                #expect(error.description.hasPrefix("cannot open \(missing): No such file or directory"))
            }
            do throws(LineReaderError) {
                _ = try LineReader(path: dir.path)
                Issue.record("expected an error")
            } catch {
                #expect(error.kind == .cannotOpen(errno: EISDIR))
            }
        }
    }

    // MARK: - Gzip files

    @Test func readsGzipDetectedByMagicNotByExtension() throws {
        try withLineReaderTempDir { dir in
            let text = sampleJSONL(lines: 2000) + Array("last line without newline".utf8)
            let compressed = dir.appendingPathComponent("data.jsonl")  // no .gz
            try writeFile(gzipMember(text), to: compressed)
            let reader = try LineReader(path: compressed.path)
            #expect(reader.isGzip)
            #expect(try readAllLines(compressed.path) == referenceLines(text))

            // A plain file named .gz is read as plain text.
            let fake = dir.appendingPathComponent("plain.jsonl.gz")
            try writeFile(text, to: fake)
            #expect(try !LineReader(path: fake.path).isGzip)
            #expect(try readAllLines(fake.path) == referenceLines(text))
        }
    }

    @Test func gzipMatchesPlainAcrossBufferBoundariesAndLongLines() throws {
        let chunk = LineReader.chunkSize
        try withLineReaderTempDir { dir in
            var text = sampleJSONL(lines: 12_000, seed: 7)
            text += [UInt8](repeating: 0x7A, count: 3 * chunk + 5) + [0x0D, 0x0A]
            text += [UInt8](repeating: 0x79, count: chunk - 1) + [0x0A]
            text += sampleJSONL(lines: 100, seed: 8)
            let file = dir.appendingPathComponent("big.gz")
            for level: Int32 in [0, 6] {
                try writeFile(gzipMember(text, level: level), to: file)
                #expect(try readAllLines(file.path) == referenceLines(text), "level \(level)")
            }
            try writeFile(gzipMember([]), to: file)
            #expect(try readAllLines(file.path).isEmpty)
            // maxLineBytes applies to inflated lines too.
            try writeFile(gzipMember(text), to: file)
            let (_, error) = readLinesUntilError(file.path, maxLineBytes: chunk)
            #expect(error?.kind == .lineTooLong(limit: chunk))
            #expect(error?.line == 12_001)
        }
    }

    @Test func readsMultiMemberGzip() throws {
        try withLineReaderTempDir { dir in
            let file = dir.appendingPathComponent("multi.jsonl.gz")
            // Members split mid-line, with an empty member in between: the result is their concatenation (like zcat).
            let parts: [[UInt8]] = [Array("a\nb".utf8), [], Array("c\nd\n".utf8), Array("e".utf8)]
            try writeFile(parts.flatMap { gzipMember($0) }, to: file)
            #expect(
                try readAllLines(file.path).map { String(decoding: $0.bytes, as: UTF8.self) } == ["a", "bc", "d", "e"])

            // Many members, each bigger than a buffer, so that member ends fall anywhere in the input buffer.
            let text = sampleJSONL(lines: 40_000, seed: 3)
            var members: [UInt8] = []
            var start = 0
            var size = 1000
            while start < text.count {
                let end = min(text.count, start + size)
                members += gzipMember(Array(text[start..<end]), level: 1)
                start = end
                size = size * 3 + 17
            }
            try writeFile(members, to: file)
            #expect(try readAllLines(file.path) == referenceLines(text))
        }
    }

    @Test func truncatedGzipIsAClearError() throws {
        try withLineReaderTempDir { dir in
            let text = sampleJSONL(lines: 8_000, seed: 11)
            let expected = referenceLines(text)
            let full = gzipMember(text)
            let file = dir.appendingPathComponent("cut.jsonl.gz")
            for keep in [2, 5, 10, 11, full.count / 3, full.count / 2, full.count - 8, full.count - 4, full.count - 1] {
                try writeFile(Array(full[..<keep]), to: file)
                let (lines, error) = readLinesUntilError(file.path)
                #expect(error?.kind == .truncatedGzip, "kept \(keep) of \(full.count) bytes")
                #expect(error?.path == file.path)
                #expect(error?.line == lines.count + 1)
                #expect(error?.description.contains("\(file.path):") == true)
                #expect(error?.description.contains("truncated gzip data") == true)
                // Every yielded line is a correct line of the original.
                // (Cut in the 8-byte trailer, all the data is there but the error still comes, after the last line.)
                #expect(lines.count <= expected.count)
                #expect(Array(expected.prefix(lines.count)) == lines)
            }
            // The last member of a multi-member file cut short.
            try writeFile(gzipMember(Array("x\n".utf8)) + Array(full[..<(full.count / 2)]), to: file)
            #expect(readLinesUntilError(file.path).error?.kind == .truncatedGzip)
        }
    }

    @Test func corruptGzipIsAClearError() throws {
        try withLineReaderTempDir { dir in
            let text = sampleJSONL(lines: 5000, seed: 5)
            let full = gzipMember(text)
            let file = dir.appendingPathComponent("bad.jsonl.gz")

            // Wrong CRC in the trailer.
            var badCRC = full
            badCRC[full.count - 8] ^= 0xFF
            try writeFile(badCRC, to: file)
            let crc = readLinesUntilError(file.path)
            #expect(crc.error?.kind == .corruptGzip(detail: "incorrect data check"))
            #expect(crc.error?.description.hasPrefix("\(file.path):") == true)

            // Unknown compression method in the header.
            var badMethod = full
            badMethod[2] = 7
            try writeFile(badMethod, to: file)
            #expect(readLinesUntilError(file.path).error?.kind == .corruptGzip(detail: "unknown compression method"))

            // Garbage after the last member.
            try writeFile(full + Array("garbage".utf8), to: file)
            let trailing = readLinesUntilError(file.path)
            #expect(trailing.error?.kind == .corruptGzip(detail: "trailing garbage after the last gzip member"))
            #expect(trailing.lines == referenceLines(text))
            try writeFile(full + [0x1F], to: file)
            #expect(
                readLinesUntilError(file.path).error?.kind
                    == .corruptGzip(detail: "trailing byte after the last gzip member"))

            // The error is sticky.
            try writeFile(badCRC, to: file)
            let reader = try LineReader(path: file.path)
            var first: LineReaderError?
            do { try reader.forEachLine { _, _ in true } } catch let error as LineReaderError { first = error }
            #expect(first != nil)
            do {
                try reader.forEachLine { _, _ in true }
                Issue.record("expected the error again")
            } catch let error as LineReaderError {
                #expect(error == first)
            }

            // Random damage never crashes or hangs: either an error or (rarely) some lines.
            var state: UInt64 = 99
            for _ in 0..<200 {
                var damaged = full
                for _ in 0..<3 {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let position = 10 + Int(state >> 33) % (full.count - 10)
                    damaged[position] ^= UInt8(truncatingIfNeeded: state >> 13) | 1
                }
                try writeFile(damaged, to: file)
                let (_, error) = readLinesUntilError(file.path)
                switch error?.kind {
                case nil, .truncatedGzip?, .corruptGzip?: break
                case let other?: Issue.record("unexpected error kind \(other)")
                }
            }
        }
    }
}
