"""JSON Schemas (draft 4) of every Neutron request body.

A resource body is `{"<key>": {...attributes}}` (`resource`), a create may also come in bulk
(`{"<key>s": [{...}, ...]}`, `bulk`). The attributes object has `additionalProperties: false`
where Neutron refuses unknown attributes, and `required` lists what Neutron requires.
`body.resource` / `bulk.resources` read the key, the accepted and the required attributes
from these schemas and refuse the rest with Neutron's own messages ("Unrecognized
attribute(s) 'x'"); the OpenAPI document shows them as they are."""
