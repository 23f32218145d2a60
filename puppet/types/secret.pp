# @summary Secret material: a path, or Sensitive content.
#
# A path names a file the module leaves alone; content is written to a file of the
# module's own (0400, owned by the user of the stunnel instance that reads it).
type Egd::Secret = Variant[Stdlib::Absolutepath, Sensitive[String[1]]]
