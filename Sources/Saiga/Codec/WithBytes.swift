/// `Array.withUnsafeBytes` with the body's typed error passed through (the standard library's version rethrows
/// `any Error`).
@inlinable
func withBytes<R, E: Error>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    // The error travels out by value: passing a typed-throwing closure straight to `withUnsafeBytes` (which
    // rethrows `any Error`) crashes the Swift 6.3 compiler.
    let result: Result<R, E> = array.withUnsafeBytes { p in
        do throws(E) { return .success(try body(p)) } catch { return .failure(error) }
    }
    return try result.get()
}
