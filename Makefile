# The two commands of the README: `make run` and `make test`. Both set up what they need first.
PY := .venv/bin/python

.PHONY: run test setup-run setup-test lint bench

run: setup-run
	.venv/bin/fujian-gis demo load
	# the check-run worker runs beside the web server and stops with it
	.venv/bin/fujian-gis worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	.venv/bin/fujian-gis serve --host 127.0.0.1 --port 5000

test: setup-test
	.venv/bin/ruff check .
	.venv/bin/pytest

setup-run:
	bash scripts/setup.sh run

setup-test:
	bash scripts/setup.sh test

lint:
	.venv/bin/ruff check .

bench:
	bash scripts/setup.sh bench
	.venv/bin/python bench/run.py
