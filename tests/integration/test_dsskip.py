#!/usr/bin/env python3
"""test_dsskip.py - docstore re-runs that skip unchanged files unread
(README "Document store", coordinator/dscheck.h, common/queue/dsfp.h):
real redis-server, real coordinator and workers, the fake OpenAI server.

The proof that a skipped file is not read, split or shipped: the warm runs
here start NO worker, so a job can only finish if no batch was pushed.
Checks: an unchanged folder (text and PDF) finishes with 0 batches, 0
requests, every document counted unchanged; a file whose bytes changed
with the same size and mtime is noticed; so is a new mtime date (it
enters the document hash as last_modified_date); a deleted or altered
docstore entry, another reader setting or a corrupt file record all take
the normal path and end right; upserts_and_delete still deletes exactly
the removed file's documents (and its record) while the skipped ones stay;
duplicates_only skips too; an interrupted submission resumes right.""" 
import json
import os
import shutil
import subprocess
import sys

from harness import Failure, run_checks

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_cache_e2e import make_corpus, spec_of  # noqa: E402
from test_remote_e2e import SECRET, Fake  # noqa: E402


class Runs:
    def __init__(self, env, fake, corpus):
        self.env, self.fake, self.corpus = env, fake, corpus

    def submit(self, coll, strategy="upserts", reader=None):
        extra = {"docstore": {"collection": coll, "strategy": strategy}}
        if reader:
            extra["reader"] = reader
        spec = spec_of(self.env, self.fake, extra=extra)
        self.fake.call("/stats/reset", {})
        return self.env.coord("submit", "--batch-docs", "2", "--pipeline", spec,
                              self.corpus).stdout.strip()

    def work(self, job):
        codes = self.env.wait_all([self.env.start_worker("--exit-when-idle",
                                                         env={"OPENAI_API_KEY": SECRET})])
        if codes != [0]:
            raise Failure(f"worker exited {codes}")
        return self.env.status(job)

    def requests(self):
        return self.fake.call("/stats")["embedding_requests_ok"]


def ds(st):
    """The docstore counters of a status (absent before the first count)."""
    return dict({"new": 0, "changed": 0, "unchanged": 0, "deleted": 0, "files_skipped": 0},
                **st.get("docstore", {}))


def files_key(coll):
    return f"ingest:docstore:{coll}:files"


def check_text(t, env, data):
    fake = Fake(env.dir)
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 6)
        r = Runs(env, fake, corpus)
        job = r.submit("n")
        st = r.work(job)
        t.check(st["state"] == "done" and ds(st)["new"] == 6 and r.requests() > 0,
                f"cold run: 6 new {st.get('docstore')}")
        t.check(env.cli("HLEN", files_key("n")) == "6", "a record per file")
        rec = json.loads(env.cli("HGET", files_key("n"), os.path.join(corpus, "doc01.txt")))
        t.check(len(rec) == 3 and len(rec[0]) == 64 and rec[1].endswith("doc01.txt") and
                env.cli("HGET", "ingest:docstore:n", rec[1]) == rec[2],
                f"record = [fingerprint, doc id, doc hash] ({rec})")

        job = r.submit("n")  # no worker from here on until something must be read
        st = env.status(job)
        t.check(st["state"] == "done" and st["batches_total"] == 0 and st["documents_total"] == 6
                and st["documents_done"] == 6 and r.requests() == 0,
                f"unchanged folder: done with no batch and no request ({st})")
        t.check(ds(st) == {"new": 0, "changed": 0, "unchanged": 6, "deleted": 0,
                                   "files_skipped": 6}, f"counted unchanged {st['docstore']}")
        t.check(env.export(job) == [], "no nodes, as LlamaIndex's upserts return none")
        t.check("6 files not re-read" in env.coord("status", job).stdout, "status text says so")

        # same size, same mtime, other bytes
        p = os.path.join(corpus, "doc02.txt")
        s = os.stat(p)
        b = bytearray(open(p, "rb").read())
        b[10] = ord("X") if b[10] != ord("X") else ord("Y")
        open(p, "wb").write(bytes(b))
        os.utime(p, ns=(s.st_atime_ns, s.st_mtime_ns))
        t.check(os.stat(p).st_size == s.st_size and os.stat(p).st_mtime_ns == s.st_mtime_ns,
                "the edit kept size and mtime")
        job = r.submit("n")
        st = env.status(job)
        t.check(st["state"] != "done" and st["batches_total"] == 1 and
                ds(st)["files_skipped"] == 5, f"changed bytes noticed: one batch ({st})")
        st = r.work(job)
        out = env.export(job)
        t.check(st["state"] == "done" and ds(st)["changed"] == 1 and
                ds(st)["unchanged"] == 5 and out and
                {n["metadata"]["file_name"] for n in out} == {"doc02.txt"},
                f"... re-processed alone {st['docstore']}")

        # a new mtime date: last_modified_date enters the document hash
        p = os.path.join(corpus, "doc03.txt")
        os.utime(p, (946684800, 946684800))  # 2000-01-01
        job = r.submit("n")
        st = r.work(job)
        out = env.export(job)
        t.check(st["batches_total"] == 1 and ds(st)["changed"] == 1 and
                {n["metadata"]["last_modified_date"] for n in out} == {"2000-01-01"},
                f"a new mtime date is a changed document {st['docstore']}")

        # the docstore entries behind the records: deleted, altered
        env.cli("HDEL", "ingest:docstore:n", os.path.join(corpus, "doc04.txt"))
        env.cli("HSET", "ingest:docstore:n", os.path.join(corpus, "doc05.txt"), "0" * 64)
        env.cli("HSET", files_key("n"), os.path.join(corpus, "doc00.txt"), "{not json")
        job = r.submit("n")
        st = env.status(job)
        t.check(st["batches_total"] == 2 and ds(st)["files_skipped"] == 3,
                f"deleted/altered entry and corrupt record: read again ({st})")
        st = r.work(job)
        t.check(st["state"] == "done" and ds(st) == {
            "new": 1, "changed": 1, "unchanged": 4, "deleted": 0, "files_skipped": 3},
            f"... and counted as LlamaIndex would {st['docstore']}")

        # another reader setting: nothing skipped, documents still unchanged
        job = r.submit("n", reader={"max_pages": 5000})
        st = env.status(job)
        t.check(st["batches_total"] == 3 and ds(st)["files_skipped"] == 0,
                f"other reader options: every file read ({st})")
        st = r.work(job)
        t.check(ds(st)["unchanged"] == 6 and r.requests() == 0, f"... unchanged {st['docstore']}")
        job = r.submit("n", reader={"max_pages": 5000})
        t.check(env.status(job)["batches_total"] == 0, "... and skipped the time after")

        # duplicates_only
        job = r.submit("d", "duplicates_only")
        r.work(job)
        job = r.submit("d", "duplicates_only")
        st = env.status(job)
        t.check(st["state"] == "done" and st["batches_total"] == 0 and
                ds(st)["unchanged"] == 6, f"duplicates_only: skipped {st}")
    finally:
        fake.close()


def check_pdf_and_delete(t, env, data):
    """PDFs (a Document per page) with upserts_and_delete."""
    fake = Fake(env.dir)
    try:
        corpus = os.path.join(env.dir, "pdfs")
        os.makedirs(corpus)
        for f in ("multi.pdf", "labels.pdf", "simple.pdf"):
            shutil.copy(os.path.join(data, f), corpus)
        r = Runs(env, fake, corpus)
        job = r.submit("m", "upserts_and_delete")
        st = r.work(job)
        pages = ds(st)["new"]
        t.check(st["state"] == "done" and pages > 3 and env.cli("HLEN", files_key("m")) == "3",
                f"cold: {pages} pages of 3 files recorded {st}")
        job = r.submit("m", "upserts_and_delete")
        st = env.status(job)
        t.check(st["state"] == "done" and st["batches_total"] == 0 and r.requests() == 0 and
                ds(st)["unchanged"] == pages and ds(st)["deleted"] == 0 and
                env.cli("HLEN", "ingest:docstore:m") == str(pages),
                f"unchanged PDFs: no batch, every page unchanged and kept {st}")
        rec = json.loads(env.cli("HGET", files_key("m"), os.path.join(corpus, "multi.pdf")))
        gone = (len(rec) - 1) // 2
        os.unlink(os.path.join(corpus, "multi.pdf"))
        job = r.submit("m", "upserts_and_delete")
        st = env.status(job)
        t.check(st["state"] == "done" and st["batches_total"] == 0 and gone > 1 and
                ds(st)["deleted"] == gone and ds(st)["unchanged"] == pages - gone,
                f"a removed PDF: its {gone} pages deleted, the rest skipped and kept {st}")
        t.check(env.cli("HLEN", "ingest:docstore:m") == str(pages - gone) and
                env.cli("HLEN", files_key("m")) == "2" and
                env.cli("HEXISTS", files_key("m"), os.path.join(corpus, "multi.pdf")) == "0",
                "its documents and its file record are gone")
    finally:
        fake.close()


def check_resume(t, env, data):
    """An interrupted docstore submission resumes after the last file
    handled: skipped files count with the push after them, so the job's
    docs_total is always a prefix of the walk."""
    fake = Fake(env.dir)
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 6)
        r = Runs(env, fake, corpus)
        r.work(r.submit("r", "upserts_and_delete"))
        for i in (1, 4):
            p = os.path.join(corpus, f"doc{i:02d}.txt")
            open(p, "a").write(" Amended.")
        spec = spec_of(env, fake, extra={"docstore": {"collection": "r", "strategy": "upserts_and_delete"}})
        e = dict(os.environ, INGEST_REDIS_URL=env.url)
        p = subprocess.Popen([env.coordinator, "submit", "--batch-docs", "1", "--max-pending-batches", "1",
                              "--pipeline", spec, corpus], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=e)
        env.procs.append(p)
        job = p.stdout.readline().strip()
        line = p.stderr.readline()  # no worker: it must wait for the window
        key = f"ingest:job:{job}"
        t.check("waiting for workers" in line and env.cli("HGET", key, "batches_total") == "1" and
                env.cli("HGET", key, "docs_total") == "4",
                f"one batch (doc01) pushed with the skipped doc00, doc02, doc03 counted: "
                f"{env.cli('HGETALL', key)}")
        p.kill()
        p.wait()
        ws = [env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET})]
        env.coord("submit", "--resume", job, corpus)  # no --pipeline: the job's docstore is used
        env.wait_all(ws)
        st = env.status(job)
        out = env.export(job)
        t.check(st["state"] == "done" and st["documents_total"] == 6 and st["batches_total"] == 2 and
                ds(st) == {"new": 0, "changed": 2, "unchanged": 4, "deleted": 0, "files_skipped": 4},
                f"resumed: the rest read or skipped once {st}")
        t.check({n["metadata"]["file_name"] for n in out} == {"doc01.txt", "doc04.txt"} and
                env.cli("HLEN", "ingest:docstore:r") == "6",
                "only the changed files' nodes; nothing deleted")
    finally:
        fake.close()


if __name__ == "__main__":
    sys.exit(run_checks([check_text, check_pdf_and_delete, check_resume], "readers"))
