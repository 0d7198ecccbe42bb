"""What the environment hands Cerebro (issue 56): settings in environment variables with the
wrong type or value, files that cannot be read (a folder, another encoding, a key written
twice), and terminals that cannot show every character. Each is one line naming the setting
or file and what to do, or, for a terminal, the output with stand-ins, never a traceback."""

from __future__ import annotations

from pathlib import Path

from tests.platform.bad_inputs.bad_input_catalogue import Case

TENANTS = """\
tenants:
  - tenant_id: test_cl
    name: {name}
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {{profile: cl_services, end_date: 2026-10-31}}
    sources: {{shopify: {{tap: demo}}}}
    destinations:
      klaviyo: {{secrets: {{api_key: CEREBRO_TEST_KLAVIYO_KEY}}}}
"""
PLAIN = TENANTS.format(name="Tienda")
#: A tenant named in Spanish, with a dash a Latin-1 terminal lacks.
SPANISH = TENANTS.format(name='"Peluquería Ñuñoa — Casa → Centro"')
#: A tenants file and data folder of the case's own.
OWN = {"CEREBRO_TENANTS_FILE": "{dir}/tenants.yml", "CEREBRO_DATA_DIR": "{dir}/data"}
FOLDER = r"is a folder, not a file: give the file's path"
NOT_UTF8 = r"not UTF-8 text \(invalid (start|continuation) byte at byte \d+\): save it as UTF-8"
DRY_RUN = ("activate", "--tenant", "test_cl", "--segment", "Campeones", "--destination",
           "klaviyo", "--dry-run")  # fmt: skip
#: The session's demo warehouse, and settings to send its weekly report by e-mail to a server
#: nobody listens on (every case below stops before a message would go).
DEMO = {"CEREBRO_DATA_DIR": "{data_dir}", "CEREBRO_TENANTS_FILE": "{tenants_file}"}
MAIL = {**DEMO, "CEREBRO_SMTP_HOST": "127.0.0.1", "CEREBRO_REPORTS_FILE": "{dir}/reports.yml"}
REPORT = ("report", "--tenant", "test_cl", "--cadence", "weekly", "--out", "{dir}/out/w.html")
REPORTS = "reports:\n  test_cl:\n    weekly: [gerencia@tienda.cl]\n"
KPIS = ("kpis", "acquisition", "--tenant", "test_cl")


def _nothing_written(folder: Path, output: str) -> None:
    assert not (folder / "out").exists(), f"the report was written before the error:\n{output}"


def _tenants_listed(shown: str):
    def check(folder: Path, output: str) -> None:
        assert output.startswith(f"test_cl: {shown}"), output

    return check


def _tenants_file(name, command, *, files, message, env=None):
    """A case whose tenants file (``CEREBRO_TENANTS_FILE``) cannot be read as one."""
    return Case(f"{command[0]}: {name}", "error", command, message=message, files=files,
                env={**OWN, **(env or {})})  # fmt: skip


FOLDER_FILES = {"tenants.yml/README.txt": "the tenants file was unpacked into a folder"}

TENANTS_FILE_CASES = [
    _tenants_file("CEREBRO_TENANTS_FILE is a folder", ("tenants",), files=FOLDER_FILES,
                  message=rf"tenants\.yml: {FOLDER}"),
    _tenants_file("CEREBRO_TENANTS_FILE is a folder", ("run",), files=FOLDER_FILES,
                  message=rf"tenants\.yml: {FOLDER}"),
    _tenants_file("CEREBRO_TENANTS_FILE is a folder", ("hourly",), files=FOLDER_FILES,
                  message=rf"tenants\.yml: {FOLDER}"),
    _tenants_file("CEREBRO_TENANTS_FILE is a folder", DRY_RUN, files=FOLDER_FILES,
                  message=rf"tenants\.yml: {FOLDER}"),
    _tenants_file("CEREBRO_TENANTS_FILE set but empty", ("tenants",), files={},
                  env={"CEREBRO_TENANTS_FILE": ""},
                  message=r"CEREBRO_TENANTS_FILE is set but empty: give a path, or unset it for "
                  r"\S+tenants\.yml$"),
    _tenants_file("CEREBRO_DATA_DIR set but empty (would be the current folder)", ("run",),
                  files={"tenants.yml": PLAIN}, env={"CEREBRO_DATA_DIR": ""},
                  message=r"CEREBRO_DATA_DIR is set but empty: give a path, or unset it"),
    _tenants_file("tenants file saved in Windows-1252", ("tenants",),
                  files={"tenants.yml": SPANISH.encode("cp1252", errors="replace")},
                  message=rf"tenants\.yml: {NOT_UTF8}"),
    _tenants_file("tenants file saved as UTF-16 (Notepad's 'Unicode')", ("tenants",),
                  files={"tenants.yml": PLAIN.encode("utf-16")},
                  message=rf"tenants\.yml: {NOT_UTF8}"),
    _tenants_file("tenants file is a compressed archive", ("tenants",),
                  files={"tenants.yml": b"\x1f\x8b\x08\x00" + bytes(range(128, 256))},
                  message=rf"tenants\.yml: {NOT_UTF8}"),
    _tenants_file("CEREBRO_TENANTS_FILE under a file", ("tenants",),
                  files={"tenants.yml": PLAIN},
                  env={"CEREBRO_TENANTS_FILE": "{dir}/tenants.yml/tenants.yml"},
                  message=r"tenants file not found: .*tenants\.yml/tenants\.yml "
                  r"\(set CEREBRO_TENANTS_FILE\)"),
    Case("tenants: a UTF-8 file that starts with a byte-order mark (Excel, Notepad)",
         "handled", ("tenants",), files={"tenants.yml": "\ufeff" + PLAIN}, env=OWN,
         check=_tenants_listed("Tienda")),
]  # fmt: skip

SETTINGS_CASES = [
    Case("kpis: CEREBRO_PG_PORT empty", "error", KPIS,
         env={"CEREBRO_WAREHOUSE": "postgres", "CEREBRO_PG_PORT": ""},
         message=r"CEREBRO_PG_PORT='' is not a port number \(1 to 65535; PostgreSQL's is 5432\)"),
    Case("kpis: CEREBRO_PG_PORT with a decimal", "error", KPIS,
         env={"CEREBRO_WAREHOUSE": "postgres", "CEREBRO_PG_PORT": "5432.0"},
         message=r"CEREBRO_PG_PORT='5432\.0' is not a port number"),
    Case("kpis: CEREBRO_SPARK_REMOTE without its scheme", "error", KPIS,
         env={"CEREBRO_WAREHOUSE": "spark", "CEREBRO_SPARK_REMOTE": "localhost:15002"},
         message=r"CEREBRO_SPARK_REMOTE='localhost:15002' is not a Spark Connect address: "
         r"write it sc://host:port"),
    Case("run: CEREBRO_DATA_DIR is a file", "error", ("run",),
         files={"tenants.yml": PLAIN, "data": "a file where the data folder should be"},
         env=OWN,
         message=r"cannot write in the data folder .*data \((file exists|not a directory)\): "
         r"make it writable for this user, or point CEREBRO_DATA_DIR \(--data-dir\) at another "
         r"folder"),
    Case("report: CEREBRO_SMTP_PORT is not a number, with --send", "error", (*REPORT, "--send"),
         env={**MAIL, "CEREBRO_SMTP_PORT": "abc"}, files={"reports.yml": REPORTS},
         message=r"CEREBRO_SMTP_PORT='abc' is not a port number \(1 to 65535; e-mail's are 587 "
         r"and 465\)", check=_nothing_written, warehouse=True),
    Case("report: CEREBRO_SMTP_PORT out of range, with --to", "error",
         (*REPORT, "--to", "yo@tienda.cl"), env={**MAIL, "CEREBRO_SMTP_PORT": "70000"},
         message=r"CEREBRO_SMTP_PORT='70000' is not a port number", check=_nothing_written,
         warehouse=True),
    Case("report: reports file saved in Windows-1252, with --send", "error", (*REPORT, "--send"),
         env=MAIL, check=_nothing_written, warehouse=True,
         files={"reports.yml": "# Informe semanal para gerencia (Ñuñoa)\n".encode("cp1252")
                + REPORTS.encode()},
         message=rf"reports\.yml: {NOT_UTF8}"),
    Case("report: CEREBRO_REPORTS_FILE is a folder, with --send", "error", (*REPORT, "--send"),
         env=MAIL, check=_nothing_written, warehouse=True,
         files={"reports.yml/weekly.yml": REPORTS}, message=rf"reports\.yml: {FOLDER}"),
    Case("report: a tenant written twice in the reports file, with --send", "error",
         (*REPORT, "--send"), env=MAIL, check=_nothing_written, warehouse=True,
         files={"reports.yml": REPORTS + "  test_cl:\n    monthly: [dueno@tienda.cl]\n"},
         message=r"reports\.yml: line 4, column 3: not valid YAML: the key 'test_cl' appears "
         r"twice"),
]  # fmt: skip


def _shows(*texts: str):
    def check(folder: Path, output: str) -> None:
        for text in texts:
            assert text in output, f"{text!r} not in:\n{output}"

    return check


def _terminal(name, command, encoding, *, check, files=None, env=None, warehouse=False):
    """``command`` printing to a terminal whose encoding is ``encoding``."""
    return Case(f"{command[0]}: a terminal in {name}", "handled", command, subprocess=True,
                env={**(env or OWN), "PYTHONIOENCODING": encoding}, check=check,
                files=files or {}, warehouse=warehouse)  # fmt: skip


TERMINAL_CASES = [
    _terminal("Latin-1", ("tenants",), "latin-1", files={"tenants.yml": SPANISH},
              check=_shows("Peluquería Ñuñoa - Casa -> Centro · America/Santiago")),
    # click takes an ASCII stream for a misconfigured one and writes UTF-8 to it instead.
    _terminal("ASCII", ("tenants",), "ascii", files={"tenants.yml": SPANISH},
              check=_shows("test_cl: Peluquer", "Centro", "America/Santiago")),
    Case("tenants: LANG=C and LC_ALL=C (a cron job's or container's locale)", "handled",
         ("tenants",), subprocess=True, files={"tenants.yml": SPANISH},
         env={**OWN, "LANG": "C", "LC_ALL": "C"},
         check=_shows("Peluquería Ñuñoa — Casa → Centro")),
    _terminal("Latin-1", (*KPIS, "--from", "2026-10-01", "--to", "2026-10-31"), "latin-1",
              env=DEMO, warehouse=True, check=_shows("test_cl · 2026-10-01 -> 2026-10-31")),
    _terminal("ASCII", (*KPIS, "--from", "2026-10-01", "--to", "2026-10-31"), "ascii",
              env=DEMO, warehouse=True, check=_shows("test_cl", "2026-10-01", "2026-10-31")),
    _terminal("Windows-1252", (*KPIS, "--from", "2026-10-01", "--to", "2026-10-31"), "cp1252",
              env=DEMO, warehouse=True, check=_shows("test_cl · 2026-10-01 -> 2026-10-31")),
]  # fmt: skip


def _no_warning(folder: Path, output: str) -> None:
    assert "Warning" not in output, output


COVERAGE = r"Warning: Los datos llegan hasta el 31 oct 2026: el período puede estar incompleto"

PERIOD_CASES = [
    Case("kpis: a period wholly after the data", "handled",
         (*KPIS, "--from", "2030-01-01", "--to", "2030-01-31"), env=DEMO, warehouse=True,
         message=COVERAGE),
    Case("kpis: a period that runs past the data", "handled",
         ("kpis", "retention", "--tenant", "test_cl", "--from", "2026-10-15", "--to",
          "2026-11-30"), env=DEMO, warehouse=True, message=COVERAGE),
    Case("kpis: a period the data cover gets no warning", "handled",
         (*KPIS, "--from", "2026-10-01", "--to", "2026-10-31"), env=DEMO, warehouse=True,
         check=_no_warning),
]  # fmt: skip

CASES = [*TENANTS_FILE_CASES, *SETTINGS_CASES, *TERMINAL_CASES, *PERIOD_CASES]
