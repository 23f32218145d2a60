# @summary A PEM certificate: a path, or the PEM text.
#
# A path names a file the module leaves alone; PEM text is written to a file of the
# module's own (0644).
type Egd::Certificate = Variant[Stdlib::Absolutepath, Pattern[/\A-----BEGIN /]]
