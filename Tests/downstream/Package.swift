// swift-tools-version: 6.1
// A template, not a package of this repository: Tests/downstream/run.sh (`make test-downstream`) copies it into
// a temp dir with @POSSUM_URL@ and @POSSUM_VERSION@ filled in — a tagged clone of HEAD, required by version,
// exactly as another package would depend on the engine.
import PackageDescription

let package = Package(
    name: "possum-downstream",
    dependencies: [
        .package(url: "@POSSUM_URL@", from: "@POSSUM_VERSION@"),
    ],
    targets: [
        .executableTarget(
            name: "possum-downstream",
            dependencies: [.product(name: "PossumLinalg", package: "possum")]),
    ]
)
