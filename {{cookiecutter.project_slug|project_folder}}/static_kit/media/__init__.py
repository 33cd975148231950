"""Uploads (media), kept apart from static files and never served as a page.

    file_types.py  the type an upload is served with, from its name alone
    limit.py       UploadSizeLimitMiddleware: 413 before a body over MAX_UPLOAD_SIZE is read
    views.py       serve_media: local media where no web server is in front
    urls.py        its URL, under MEDIA_URL, when MEDIA_ROOT is set
    private.py     private uploads: kept apart, sent after a permission check
The private S3 storage for uploads is static_kit/storage/private_s3.py.
"""
