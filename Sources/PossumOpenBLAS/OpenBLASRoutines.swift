import PossumLAPACKLoader

/// OpenBLAS's ?geqrf and ?gels as raw Fortran routines, for a caller that times them on its own
/// buffers (possum-bench): the library possum loads (`OpenBLASLibrary`), prepared as possum's own
/// calls find it (main buffer mapped, the pool at `setOpenBLASThreads`' count), so that nothing
/// but this library links or loads OpenBLAS. LP64: every integer is an `Int32`.
public struct OpenBLASRoutines: @unchecked Sendable {
    public let dgeqrf: LAPACKRoutine.Geqrf, sgeqrf: LAPACKRoutine.Geqrf
    public let dgels: LAPACKRoutine.Gels, sgels: LAPACKRoutine.Gels

    /// Loads and prepares OpenBLAS (its thread count as `setOpenBLASThreads` left it, else OpenBLAS's own choice).
    public static func prepared() throws -> OpenBLASRoutines {
        openBLASLock.lock()
        defer { openBLASLock.unlock() }
        let library = try OpenBLASLibrary.prepare()
        return OpenBLASRoutines(dgeqrf: library.dgeqrf, sgeqrf: library.sgeqrf, dgels: library.dgels, sgels: library.sgels)
    }
}
