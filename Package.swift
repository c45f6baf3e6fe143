// swift-tools-version: 6.1
import PackageDescription

// The kernels are written with SIMD8<Double>/SIMD16<Float>. This manifest sets no CPU flags, so that other
// packages can depend on PossumLinalg by version: a plain `swift build` is portable (at the x86-64 baseline the
// kernels become scalar fma calls, over ten times slower). The fast build is the Makefile's SWIFT_NATIVE:
// `swift build -c release -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DPOSSUM_NATIVE_CPU`.

let package = Package(
    name: "possum",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "possum", targets: ["possum"]),
        .executable(name: "possum-bench", targets: ["possum-bench"]),
        .library(name: "PossumLinalg", targets: ["PossumLinalg"]),
        // The jobs, with the modules their API speaks (FeatureSpec and RidgeModel; tracking stores).
        .library(name: "PossumWorkflows", targets: ["PossumWorkflows", "PossumML", "PossumTracking"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // HTTP server for `possum serve` only; its default traits (swift-configuration, full Foundation) unused.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `make docs`: the DocC catalog of PossumLinalg (a command plugin; nothing of it is linked).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Files: atomic (and durable) replace, create-if-absent and append, on plain POSIX calls.
        .target(name: "PossumFiles"),
        // Progress lines on a terminal (rate, ETA), and the reporter protocol the library layers take.
        .target(name: "PossumProgress"),
        // Pure Swift numerics: no C imports, no BLAS.
        .target(name: "PossumLinalg"),
        // The one dlopen loader and the one set of LAPACK signatures, for PossumOpenBLAS and the --lapack peers.
        .target(name: "PossumLAPACKLoader"),
        // OpenBLAS's LAPACK, loaded with dlopen when a command first calls it (OpenBLASLibrary.swift says why).
        .target(name: "PossumOpenBLAS", dependencies: ["PossumLinalg", "PossumFiles", "PossumLAPACKLoader"]),
        // Thin system-library shim over Debian's serial HDF5 1.10, and the safe Swift wrapper over it.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .target(name: "PossumHDF5", dependencies: ["CHDF5", "PossumFiles"]),
        // Accuracy: an exact rational least-squares oracle, a corpus of hard problems, LRE tables.
        .target(
            name: "PossumAccuracy",
            dependencies: ["PossumLinalg", "PossumOpenBLAS", .product(name: "BigInt", package: "BigInt")]),
        // Tables: CSV reading with row/column-precise errors.
        .target(name: "PossumData", dependencies: ["PossumFiles", "PossumProgress", .product(name: "Crypto", package: "swift-crypto")]),
        // Models: features (one-hot, scaling) and ridge regression with leave-one-out CV.
        .target(name: "PossumML", dependencies: ["PossumLinalg", "PossumData", "PossumProgress"]),
        // Pictures: SVG plots (PNG through librsvg).
        .target(name: "PossumPlot", dependencies: ["PossumFiles"]),
        // Storage: tables, feature sets and models in possum's HDF5 layouts.
        .target(name: "PossumStorage", dependencies: ["PossumHDF5", "PossumData", "PossumML", "PossumLinalg", "PossumProgress"]),
        // Experiment tracking and model registry, laid out on disk exactly as MLflow's file store.
        .target(name: "PossumTracking", dependencies: ["PossumFiles", "PossumPlot", "PossumYAML", .product(name: "Yams", package: "Yams")]),
        // YAML input bounds (size, nesting, UTF-8) checked before Yams parses, and Yams errors as one line.
        .target(name: "PossumYAML", dependencies: ["PossumFiles", .product(name: "Yams", package: "Yams")]),
        // Pipelines: a DAG of tasks from YAML, run with caching, retries, resume and Airflow export.
        .target(name: "PossumPipeline", dependencies: ["PossumFiles", "PossumTracking", "PossumData", "PossumYAML", .product(name: "Yams", package: "Yams")]),
        // Workflows: the jobs behind train, predict, features, lstsq and data show, callable without the CLI.
        .target(
            name: "PossumWorkflows",
            dependencies: [
                "PossumLinalg", "PossumOpenBLAS", "PossumData", "PossumML", "PossumStorage", "PossumTracking",
                "PossumPlot", "PossumFiles", "PossumProgress",
            ]),
        // Model serving over MLflow's scoring protocol; the only module that depends on hummingbird.
        .target(
            name: "PossumServe",
            dependencies: [
                "PossumML", "PossumData", "PossumFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "PossumCLI",
            dependencies: [
                "PossumLinalg", "PossumOpenBLAS", "PossumData", "PossumML", "PossumHDF5", "PossumTracking",
                "PossumAccuracy", "PossumStorage", "PossumPlot", "PossumPipeline", "PossumFiles", "PossumWorkflows", "PossumServe",
                "PossumProgress",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "possum", dependencies: ["PossumCLI"]),
        // possum-bench's --lapack peers: any LAPACK loaded by path with Glibc's dlopen (no C, not in the engine).
        .target(name: "PossumLAPACKPeer", dependencies: ["PossumLAPACKLoader"], path: "Benchmarks/peers/LAPACKPeer"),
        .executableTarget(
            name: "possum-bench",
            dependencies: [
                "PossumLinalg", "PossumOpenBLAS", "PossumLAPACKLoader", "PossumLAPACKPeer", "PossumProgress",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/possum-bench"),

        // Helpers shared by the test targets (a test target cannot import another one).
        .target(name: "PossumTestSupport", path: "Tests/PossumTestSupport"),
        .testTarget(name: "PossumProgressTests", dependencies: ["PossumProgress"]),
        .testTarget(name: "PossumFilesTests", dependencies: ["PossumFiles", "PossumTestSupport"]),
        .testTarget(name: "PossumLinalgTests", dependencies: ["PossumLinalg", "PossumOpenBLAS"]),
        .testTarget(name: "PossumAccuracyTests", dependencies: ["PossumAccuracy", "PossumLinalg", "PossumOpenBLAS"]),
        .testTarget(name: "PossumDataTests", dependencies: ["PossumData", "PossumTestSupport"]),
        .testTarget(
            name: "PossumMLTests", dependencies: ["PossumML", "PossumLinalg", "PossumOpenBLAS", "PossumData"],
            exclude: ["Fixtures"]),
        .testTarget(name: "PossumCLITests", dependencies: ["PossumCLI", "PossumHDF5", "PossumWorkflows", "PossumTestSupport"]),
        .testTarget(name: "PossumWorkflowsTests", dependencies: ["PossumWorkflows", "PossumML", "PossumStorage", "PossumTracking", "PossumTestSupport"]),
        .testTarget(name: "PossumHDF5Tests", dependencies: ["PossumHDF5", "PossumTestSupport"]),
        .testTarget(name: "PossumStorageTests", dependencies: ["PossumStorage", "PossumHDF5", "PossumML", "PossumData", "PossumLinalg"]),
        .testTarget(name: "PossumTrackingTests", dependencies: ["PossumTracking", "PossumFiles", "PossumPlot"]),
        .testTarget(name: "PossumPipelineTests", dependencies: ["PossumPipeline", "PossumData", "PossumYAML", "PossumTestSupport"]),
        .testTarget(name: "PossumLAPACKPeerTests", dependencies: ["PossumLAPACKPeer", "PossumLinalg", "PossumTestSupport"]),
        .testTarget(name: "PossumServeTests", dependencies: ["PossumServe", "PossumML", "PossumData", "PossumLinalg"]),
    ]
)
