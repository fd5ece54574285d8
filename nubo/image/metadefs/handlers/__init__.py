"""HTTP handlers of the metadef API: context, policy, validation, service call, view."""
