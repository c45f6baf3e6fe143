/// Object paths inside a file (`/model/coefficients`), kept absolute and normalized so that
/// error messages always name an object the same way, however the caller reached it.
enum HDF5Path {
    /// `name` resolved against `base`: absolute names stand alone, relative ones are appended.
    /// Repeated and trailing slashes are dropped; `.` components are skipped.
    static func join(_ base: String, _ name: String) -> String {
        let parts = name.hasPrefix("/") ? components(name) : components(base) + components(name)
        return "/" + parts.joined(separator: "/")
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    /// The last component (the link name), or `/` for the root.
    static func name(_ path: String) -> String {
        components(path).last ?? "/"
    }
}
