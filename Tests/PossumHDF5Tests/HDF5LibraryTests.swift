import Testing
@testable import PossumHDF5

@Suite struct HDF5LibraryTests {
    @Test func linksTheSystemHDF5() {
        // Debian 12's libhdf5-dev; a different version means a different machine image.
        #expect(HDF5Library.version.hasPrefix("1.10."))
    }
}
