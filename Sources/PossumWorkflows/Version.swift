/// possum's version: recorded in every model file and printed by `possum --version`.
public let possumVersion = "0.1.0"
