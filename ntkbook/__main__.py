from .verify import main

raise SystemExit(main())
