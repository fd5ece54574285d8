"""JSON Schemas (draft 4) of the block storage API's request bodies, as Cinder's
`cinder/api/schemas` (its parameter types: names up to 255, metadata keys 1-255)."""
