import PossumCLI

Possum.main()
