from livehost.cli.main import main

raise SystemExit(main())
