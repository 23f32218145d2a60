// FileSource: replays a capture once. The read offset survives a re-init (in
// memory) and, with an offset file, a restart: each read's new offset is stored
// (written to a temporary file, synced, renamed) before its bytes are handed
// on, so a crash can lose bytes but never serve them twice. End of file is
// kEof: the capture is used up.
//
// Reads run on a BlockingReader. The offset is shared with the worker through
// a Cursor per open: the worker stores a read's offset under the cursor's
// lock, and Close marks the cursor closed under that lock, so once Close has
// returned the old worker never writes the offset file again (a reload may
// already have opened a new source on the same file). Close may therefore
// wait for one store in progress (a small write and fsync), never for a read.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "egdd/blocking_reader.h"
#include "egdd/source.h"

namespace egdd {

class FileSource final : public Source {
 public:
  FileSource(boost::asio::io_context& io, SourceCallbacks callbacks, std::string path,
             std::string offset_file)
      : callbacks_(std::move(callbacks)), path_(std::move(path)),
        offset_file_(std::move(offset_file)), reader_(io) {}
  ~FileSource() override { Close(); }

  std::string_view kind() const override { return "file"; }
  bool is_trng() const override { return true; }
  std::string description() const override { return "capture file " + path_; }
  std::string identity() const override { return DeviceIdentity(kind(), path_); }
  nlohmann::json Stats() const override {
    return {{"offset_file", offset_file_}, {"offset_at_open", opened_at_}};
  }
  egd::Status Open() override;
  void Close() override;
  void Read(size_t max) override { reader_.Read(max); }

  // A missing offset file means "from the start"; anything but a decimal
  // number is an error (a damaged file must not silently restart the replay).
  static egd::Status LoadOffset(const std::string& file, off_t* offset);
  static egd::Status StoreOffset(const std::string& file, off_t offset);

 private:
  struct Cursor;

  SourceCallbacks callbacks_;
  std::string path_;
  std::string offset_file_;
  bool loaded_ = false;  // offset_ came from the offset file
  off_t offset_ = 0;     // where the next open starts
  off_t opened_at_ = 0;
  std::shared_ptr<Cursor> cursor_;  // of the current open
  BlockingReader reader_;
};

}  // namespace egdd
