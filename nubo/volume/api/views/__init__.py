"""Response bodies of the block storage API, field by field as Cinder's views, each field
from the microversion Cinder added it in."""
