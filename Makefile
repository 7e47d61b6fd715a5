# The two commands a new user needs (see README.md):
#   make demo   sets up and generates Foley for the bundled demo clip with the starter models
#   make test   sets up and runs the test suite
.PHONY: setup demo test app
setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/foley-studio demo --out demo-output

test: setup
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q

app: setup
	.venv/bin/foley-studio-app
