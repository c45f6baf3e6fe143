import Foundation
import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Artifacts through the tracking server's artifact proxy (`mlflow server`'s default): a run's
/// `artifact_uri` is `mlflow-artifacts:/<exp>/<run>/artifacts`, and its files are PUT and GET at
/// `/api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>`. A model read back
/// (`models get`, `predict --model NAME@ALIAS`) is downloaded once into the user's cache
/// (`$XDG_CACHE_HOME/possum/artifacts`, else `~/.cache/possum/artifacts`).
extension RESTTrackingStore {
    @discardableResult
    public func logArtifact(runID: String, file: String, artifactPath: String?) throws -> String {
        try logArtifacts(runID: runID, [ArtifactFile(file, under: artifactPath)])[0]
    }

    /// One `runs/get` for all the files; every name is checked before the first upload, so a bad
    /// one uploads nothing.
    @discardableResult
    public func logArtifacts(runID: String, _ files: [ArtifactFile]) throws -> [String] {
        let info = try runInfo(id: runID)
        guard info.lifecycleStage == .active else { throw TrackingError.runDeleted(runID: runID) }
        let relatives = try files.map { try relativeArtifactPath(of: $0) }
        let root = try proxyPath(of: info)
        for (file, relative) in zip(files, relatives) {
            guard FileIO.isRegularFile(file.file) else { throw TrackingError.invalidRequest("\(file.file): not a regular file") }
            guard let bytes = try FileIO.readBytes(file.file) else { throw TrackingError.notFound("file \(file.file)") }
            try client.upload(Data(bytes), to: root + "/" + relative)
        }
        return relatives.map { info.artifactURI + "/" + $0 }
    }

    /// `dir/sub` + `/tmp/x/model.h5` → `dir/sub/model.h5`, each component a valid key.
    private func relativeArtifactPath(of file: ArtifactFile) throws -> String {
        var components: [String] = []
        for component in (file.artifactPath ?? "").split(separator: "/", omittingEmptySubsequences: true) {
            try NameValidation.validateKey(String(component), kind: "artifact path component")
            components.append(String(component))
        }
        let fileName = String(file.file.split(separator: "/").last ?? "")
        try NameValidation.validateKey(fileName, kind: "artifact file")
        return (components + [fileName]).joined(separator: "/")
    }

    public func artifacts(runID: String) throws -> [String] {
        let root = try proxyPath(of: try runInfo(id: runID))
        return try listRecursively(root, prefix: "").sorted()
    }

    /// Lists the file's folder first, so a missing artifact is nil rather than a failed download.
    public func artifactBytes(runID: String, path: String, limit: Int) throws -> [UInt8]? {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last else { return nil }
        let folder = ([try proxyPath(of: try runInfo(id: runID))] + parts.dropLast()).joined(separator: "/")
        let listed = try client.listArtifacts(folder).contains { !$0.isDirectory && $0.name.split(separator: "/").last.map(String.init) == name }
        guard listed else { return nil }
        let data = try client.download(folder + "/" + name)
        guard data.count <= limit else {
            throw TrackingError.invalidValue("artifact \(quoted(path)) of run \(runID): larger than the \(limit >> 10) KiB read for it")
        }
        return [UInt8](data)
    }

    /// The run's artifact URI (`mlflow-artifacts:/…`): the files are on the server.
    public func artifactDirectory(runID: String) throws -> String {
        try runInfo(id: runID).artifactURI
    }

    /// A local copy of a model version's files: `runs:/RUN/PATH` and `mlflow-artifacts:` sources are
    /// downloaded through the proxy (once; see the type's comment), a `file:` source or a path is
    /// used as it is (a server sharing this machine's disk).
    public func localPath(forModelSource source: String) throws -> String {
        let remote: String
        if source.hasPrefix("runs:/") {
            let parts = source.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true)
            guard let runID = parts.first else { throw TrackingError.invalidValue("model source '\(source)': expected runs:/<run_id>/<path>") }
            let inside = parts.count > 1 ? parts[1].split(separator: "/", omittingEmptySubsequences: true) : []
            // The source comes from the server, and the path names a folder in the local cache.
            guard !inside.contains(where: { $0 == ".." || $0 == "." }) else {
                throw TrackingError.invalidValue("model source \(quoted(source)): '.' or '..' in its path")
            }
            let root = try proxyPath(of: try runInfo(id: String(runID)))
            remote = ([root] + inside.map(String.init)).joined(separator: "/")
        } else if source.hasPrefix("mlflow-artifacts:") {
            remote = try proxyPath(ofURI: source)
        } else if source.hasPrefix("file:") || source.hasPrefix("/") {
            return absolutePath(try pathFromURIOrPath(source))
        } else {
            throw TrackingError.invalidRequest("model source \(quoted(source)): possum reads models from runs:/, mlflow-artifacts: and file: sources")
        }
        return try downloadCached(remote)
    }

    // MARK: - Internals

    /// The path below the proxy's root of a run's artifacts.
    func proxyPath(of info: RunInfo) throws -> String {
        try proxyPath(ofURI: info.artifactURI, runID: info.runID)
    }

    /// `mlflow-artifacts:/1/abc/artifacts` or `mlflow-artifacts://host:port/1/abc/artifacts` → `1/abc/artifacts`.
    func proxyPath(ofURI uri: String, runID: String? = nil) throws -> String {
        guard uri.hasPrefix("mlflow-artifacts:") else {
            throw TrackingError.invalidRequest(
                "\(runID.map { "run \($0): " } ?? "")artifact URI \(quoted(uri)) is not served by the tracking server's artifact proxy; start `mlflow server` with artifact serving (the default, no --no-serve-artifacts)")
        }
        var rest = Substring(uri.dropFirst("mlflow-artifacts:".count))
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            rest = rest[(rest.firstIndex(of: "/") ?? rest.endIndex)...]
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0 == "." }) else { throw TrackingError.invalidValue("artifact URI \(quoted(uri)): '..' in its path") }
        return parts.joined(separator: "/")
    }

    func listRecursively(_ path: String, prefix: String, depth: Int = 0) throws -> [String] {
        guard depth < 32 else { return [] }
        var out: [String] = []
        for entry in try client.listArtifacts(path) {
            // Names come from the server: one path component each, or they are not used.
            let name = entry.name.split(separator: "/").last.map(String.init) ?? ""
            guard (try? NameValidation.validateKey(name, kind: "artifact")) != nil, name != ".", name != ".." else { continue }
            if entry.isDirectory {
                out += try listRecursively(path + "/" + name, prefix: prefix + name + "/", depth: depth + 1)
            } else {
                out.append(prefix + name)
            }
        }
        return out
    }

    /// Downloads a file or folder below the proxy root into the cache, once: the copy is built in a
    /// hidden temporary folder and renamed into place, so a cached copy is always whole.
    func downloadCached(_ remote: String) throws -> String {
        let cacheRoot = Self.cacheDirectory() + "/" + Self.cacheKey(client.baseURL)
        let target = cacheRoot + "/" + remote
        if FileIO.exists(target) { return target }
        let parent = parentDirectory(of: target)
        try FileIO.makeDirectories(parent)
        let temp = parent + "/.download-\(uuid4Hex())"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        let files = try listRecursively(remote, prefix: "")
        if files.isEmpty {
            // Not a folder (or an empty one): the path itself is a file, or does not exist.
            let data: Data
            do { data = try client.download(remote) } catch let error as TrackingServerError where error.isNotFound {
                throw TrackingError.notFound("artifact \(remote) on \(location)")
            }
            try FileIO.writeAtomically(Array(data), to: temp, tempDirectory: parent, durable: false)
        } else {
            for file in files {
                let local = temp + "/" + file
                try FileIO.makeDirectories(parentDirectory(of: local))
                try FileIO.writeAtomically(Array(try client.download(remote + "/" + file)), to: local, tempDirectory: temp, durable: false)
            }
        }
        if rename(temp, target) != 0 && !FileIO.exists(target) {
            throw TrackingError.io(path: target, operation: "rename download into", code: errno)
        }
        return target
    }

    static func cacheDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/possum/artifacts" }
        if let home = env["HOME"], home.hasPrefix("/") { return home + "/.cache/possum/artifacts" }
        return FileManager.default.temporaryDirectory.path + "/possum-artifacts"
    }

    /// `http://127.0.0.1:5000/x` → `http_127.0.0.1_5000_x`: one folder per server.
    static func cacheKey(_ baseURL: String) -> String {
        String(baseURL.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
    }
}
