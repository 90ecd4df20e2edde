// saiga-fuzz: the libFuzzer driver of the fuzz targets (`FuzzTargets`). Built only by `Tests/Fuzz/fuzz`
// (`SAIGA_FUZZ=1`, with `--sanitize fuzzer --sanitize address`): libFuzzer supplies `main` and calls the entry point
// below with each input; the target is chosen by $SAIGA_FUZZ_TARGET.

import SaigaFuzzTargets

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

private let target: @Sendable (UnsafeRawBufferPointer) -> Void = {
    let name = getenv("SAIGA_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let run = FuzzTargets.named(name) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
        fputs("saiga-fuzz: set SAIGA_FUZZ_TARGET to one of: \(names)\n", stderr)
        exit(2)
    }
    return run
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    target(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

/// libFuzzer calls this once before fuzzing. With $SAIGA_FUZZ_SEEDS set, the target's seeds are written there
/// (one file each) and the process exits: `Tests/Fuzz/fuzz seeds` uses it.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    guard let dir = getenv("SAIGA_FUZZ_SEEDS").map({ String(cString: $0) }) else { return 0 }
    let name = getenv("SAIGA_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    for (i, seed) in FuzzTargets.seeds(name).enumerated() {
        let path = dir + "/seed-\(i)"
        guard let f = fopen(path, "wb") else { continue }
        _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
    exit(0)
}
