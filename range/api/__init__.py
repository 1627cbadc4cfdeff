"""The range HTTP API: JSON over HTTP beside TAXII, described by OpenAPI 3.1.

==================  ===============================================================
``app``             :func:`create_range_app`: the TAXII app with this API registered
``blueprint``       the Flask blueprint built from the route table; access checks
``table``           every endpoint (path, roles, models, handler)
``routes``          :class:`Route`, :class:`Call`, :class:`ApiSettings`
``models``          the request and response bodies (pydantic)
``openapi``         the OpenAPI 3.1 document generated from the table and models
``errors``          the one refusal body ``{"error": {status, title, field, detail}}``
``service``         the only caller of the engine (one lock)
``projection``      what the API reads, folded from the event log
``sharing``         indicators over the store: find one a user may read, publish
``*_views``         the handlers: shared, a team's, the director's
==================  ===============================================================
"""
