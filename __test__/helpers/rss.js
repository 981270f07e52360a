'use strict';
// process.memoryUsage().rss reads 0 where the platform cannot measure it:
// qemu-user emulates /proc/self/stat with an RSS of 0. A check of RSS there
// would test nothing, so it is skipped with this reason instead.

/** Why RSS cannot be measured here, or null when it can. */
function rssUnmeasurable() {
  if (process.memoryUsage().rss > 0) return null;
  return `process.memoryUsage().rss reads 0 on this platform (${process.platform}-${process.arch}, e.g. under qemu-user): RSS cannot be measured, so this check is skipped`;
}

module.exports = { rssUnmeasurable };
