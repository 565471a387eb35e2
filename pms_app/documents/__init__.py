"""Documents: a lease's private files (the signed lease, scans). Import the modules (no
re-exports):

- models: LeaseDocument.
- service: upload, list_documents, open_document, delete_document, clean_filename.
"""
