"""One ingestion pipeline: records from any entry through import, identity and assessment.

Files (``vigil import``), the demo, forms and later the HTTP API all hand their records to
``pipeline.ingest_files`` or ``pipeline.ingest_records``; nothing else writes that sequence out.
Layer: above ``alerts`` (it drives them), below the web application and the command line.
"""
