from locum.cli import main

main()
