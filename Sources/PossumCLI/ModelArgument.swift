import Foundation
import PossumTracking

extension TrackingOptions {
    /// A model as a command takes it: a file that exists is that file; otherwise a registry
    /// reference (`NAME@STAGE`, `NAME@ALIAS`, `NAME/VERSION`, `models:/…`) is resolved to its
    /// model file through this store. Anything else is returned as given, so the reader names the
    /// missing file.
    func modelFile(_ model: String) throws -> String {
        if FileManager.default.fileExists(atPath: model) { return model }
        let isReference = model.hasPrefix("models:/") || model.contains("@")
            || (model.contains("/") && !model.hasSuffix(".h5") && !model.hasSuffix(".hdf5"))
        guard isReference else { return model }
        return try openStore().resolveModelFile(model)
    }
}
