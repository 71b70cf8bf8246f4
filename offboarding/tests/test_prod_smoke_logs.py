"""The production smoke run (`make prod-smoke`) reads its processes' logs while they are still writing."""

import subprocess
import sys

from prod_smoke.processes import Process


def test_a_log_line_still_being_written_is_read_once_it_is_whole(tmp_path):
    log = tmp_path / "web-a.log"
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    web = Process("web-a", done, log)

    log.write_text('{"message": "Booting worker with pid: 11"}\n{"message": "Worker exiting (pid: ')
    assert [line["message"] for line in web.json_lines()] == ["Booting worker with pid: 11"]

    with log.open("a") as rest:
        rest.write('10)"}\n')
    assert [line["message"] for line in web.json_lines()] == ["Booting worker with pid: 11", "Worker exiting (pid: 10)"]
