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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Files: atomic (and durable) replace, create-if-absent and append, on plain POSIX calls.
        .target(name: "PossumFiles"),
        // Pure Swift numerics: no C imports, no BLAS.
        .target(name: "PossumLinalg"),
        // Thin system-library shim over Debian's OpenBLAS (BLAS + LAPACK Fortran symbols).
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(name: "PossumOpenBLAS", dependencies: ["COpenBLAS", "PossumLinalg"]),
        // Thin system-library shim over Debian's serial HDF5 1.10, and the safe Swift wrapper over it.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .target(name: "PossumHDF5", dependencies: ["CHDF5", "PossumFiles"]),
        // Accuracy: an exact rational least-squares oracle, a corpus of hard problems, LRE tables.
        .target(
            name: "PossumAccuracy",
            dependencies: ["PossumLinalg", "PossumOpenBLAS", .product(name: "BigInt", package: "BigInt")]),
        // Tables: CSV reading with row/column-precise errors.
        .target(name: "PossumData", dependencies: ["PossumFiles", .product(name: "Crypto", package: "swift-crypto")]),
        // Models: features (one-hot, scaling) and ridge regression with leave-one-out CV.
        .target(name: "PossumML", dependencies: ["PossumLinalg", "PossumData"]),
        // Pictures: SVG plots (PNG through librsvg).
        .target(name: "PossumPlot", dependencies: ["PossumFiles"]),
        // Storage: tables, feature sets and models in possum's HDF5 layouts.
        .target(name: "PossumStorage", dependencies: ["PossumHDF5", "PossumData", "PossumML", "PossumLinalg"]),
        // Experiment tracking and model registry, laid out on disk exactly as MLflow's file store.
        .target(name: "PossumTracking", dependencies: ["PossumFiles", "PossumYAML", .product(name: "Yams", package: "Yams")]),
        // YAML input bounds (size, nesting, UTF-8) checked before Yams parses, and Yams errors as one line.
        .target(name: "PossumYAML", dependencies: ["PossumFiles", .product(name: "Yams", package: "Yams")]),
        // Pipelines: a DAG of tasks from YAML, run with caching, retries, resume and Airflow export.
        .target(name: "PossumPipeline", dependencies: ["PossumFiles", "PossumTracking", "PossumData", "PossumYAML", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "PossumCLI",
            dependencies: [
                "PossumLinalg", "PossumOpenBLAS", "PossumData", "PossumML", "PossumHDF5", "PossumTracking",
                "PossumAccuracy", "PossumStorage", "PossumPlot", "PossumPipeline", "PossumFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "possum", dependencies: ["PossumCLI"]),
        .executableTarget(
            name: "possum-bench",
            dependencies: [
                "PossumLinalg", "PossumOpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/possum-bench"),

        // Helpers shared by the test targets (a test target cannot import another one).
        .target(name: "PossumTestSupport", path: "Tests/PossumTestSupport"),
        .testTarget(name: "PossumFilesTests", dependencies: ["PossumFiles", "PossumTestSupport"]),
        .testTarget(name: "PossumLinalgTests", dependencies: ["PossumLinalg", "PossumOpenBLAS"]),
        .testTarget(name: "PossumAccuracyTests", dependencies: ["PossumAccuracy", "PossumLinalg", "PossumOpenBLAS"]),
        .testTarget(name: "PossumDataTests", dependencies: ["PossumData"]),
        .testTarget(
            name: "PossumMLTests", dependencies: ["PossumML", "PossumLinalg", "PossumOpenBLAS", "PossumData"],
            exclude: ["Fixtures"]),
        .testTarget(name: "PossumCLITests", dependencies: ["PossumCLI", "PossumHDF5"]),
        .testTarget(name: "PossumHDF5Tests", dependencies: ["PossumHDF5", "PossumTestSupport"]),
        .testTarget(name: "PossumStorageTests", dependencies: ["PossumStorage", "PossumHDF5", "PossumML", "PossumData", "PossumLinalg"]),
        .testTarget(name: "PossumTrackingTests", dependencies: ["PossumTracking", "PossumFiles"]),
        .testTarget(name: "PossumPipelineTests", dependencies: ["PossumPipeline", "PossumData", "PossumYAML"]),
    ]
)
