"""The daily digest: what changed in a workspace's claims, sent by e-mail and/or a signed webhook.

``compose`` reads the store into a JSON-ready digest, ``render`` turns it into e-mail text and HTML,
``deliver`` sends it (SMTP, webhook), and ``schedule`` decides once per day per workspace and channel,
through the ``digest_deliveries`` table, who sends what.
"""
