"""The weekly digest, modelled on Zulip's zerver/lib/digest.py: a pipeline of small steps.

1. `run.digest_run_start` opens (or resumes) the run for a digest week, records a pending
   Delivery for every subscriber who should get one, groups them into DigestBatch rows and
   returns the batches for `stakeholders.tasks` to enqueue.
2. `batch.digest_batch_send` handles one batch: it fetches the context for the whole batch at
   once (`sources`: new items from every content type and upcoming events; each subscriber's
   previous digest), chooses and renders each subscriber's items (`content`), skips those
   with nothing new, and sends the rest over one SMTP connection (`delivery`).
3. Each Delivery moves pending -> sending (claimed and committed just before its message
   goes to the relay) -> sent / skipped / retry / failed, one at a time, so a restarted run
   sends only what is left and a killed worker leaves at most one delivery in doubt.
4. `run.digest_run_recover` hands back batches whose worker died and batches with retries
   due.
"""
