from kilowatt.cli import main

main()
