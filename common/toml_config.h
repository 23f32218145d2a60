// Loading a TOML configuration file into a program's Config struct: the part
// egdd, trng-httpd and egd-feed share.
//
// Contract: a loader lists its [sections] and their keys; each key has a
// setter that reads the value through a Field (which checks type and range)
// and writes one Config member. Schema::Parse applies a document key by key
// (in toml++'s table order: sorted by name); the first error stops loading and
// *out is left untouched. Every error is "file:line: message": a key's own
// errors read "file:line: section.key: message"; unknown tables and keys and
// non-table sections are errors; TOML syntax errors carry toml++'s
// description. A Check rule may reject the result afterwards (cross-key
// constraints). Wording that differs between loaders is chosen by Dialect.
// A Schema is immutable, so Parse may run on several threads at once; a Field
// lives only for its setter's call. toml++ stays in toml_config.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace egd::toml_config {

// Message wording that differs between loaders (each keeps its own).
struct Dialect {
  // true: date/time values are named "a date", "a time", "a date-time";
  // false: all three are "a date or time".
  bool detailed_dates = false;
  // true: a table inside a section is reported as "unknown table
  // [section.key]"; false: as "unknown key 'key' in [section]".
  bool nested_table_names = false;
};

// "file:line: message".
std::string Located(const std::string& file, uint32_t line, std::string_view message);

// Reads a whole file; errors read "path: cannot open: ..." / "path: cannot read: ...".
Status ReadFile(const std::string& path, std::string* text);

template <typename T>
struct EnumName {
  std::string_view name;
  T value;
};

struct Node;  // a toml++ node (defined in toml_config.cc)

// One key's value being applied. Each reader checks the value's type (and
// range), writes *out only on success, and otherwise records the error
// "file:line: section.key: message" and returns false.
class Field {
 public:
  Field(const std::string& file, std::string name, const Node& node, const Dialect& dialect);

  const std::string& error() const { return error_; }
  // Records `message` as this key's error; returns false.
  bool Fail(std::string_view message);

  // An integer in [lo, hi].
  template <typename T>
  bool Int(int64_t lo, int64_t hi, T* out) {
    int64_t v;
    if (!Int64(lo, hi, &v)) return false;
    *out = static_cast<T>(v);
    return true;
  }
  // An integer count in [lo, hi] of the duration's unit (keys named *_ms, *_s).
  template <typename D>
  bool Duration(int64_t lo, int64_t hi, D* out) {
    int64_t v;
    if (!Int64(lo, hi, &v)) return false;
    *out = D(v);
    return true;
  }
  bool Millis(int64_t lo, int64_t hi, std::chrono::milliseconds* out) {
    return Duration(lo, hi, out);
  }
  bool Bool(bool* out);
  bool String(std::string* out);
  bool NonEmptyString(std::string* out);
  // A float or integer in (0, 1] ("expected a float").
  bool Fraction(double* out);
  // A float or integer in [lo, hi] ("expected a number").
  bool Number(double lo, double hi, double* out);
  // A string naming one of `names`: "'x' is not one of a, b, c".
  template <typename T, size_t N>
  bool Enum(const EnumName<T> (&names)[N], T* out) {
    std::vector<std::string_view> list;
    for (const auto& n : names) list.push_back(n.name);
    size_t i;
    if (!Choice(list, &i)) return false;
    *out = names[i].value;
    return true;
  }
  bool OneOf(std::initializer_list<std::string_view> names, std::string* out);
  // A string that parse(text, out) accepts; a non-ok Status's message is the error.
  template <typename T, typename Parse>
  bool Parsed(T* out, Parse parse) {
    std::string s;
    if (!String(&s)) return false;
    Status st = parse(s, out);
    return st.ok() || Fail(st.message());
  }
  // An array of strings, each passed to `each` in order; an element that is
  // not a string or that `each` rejects is reported at the element's line.
  bool StringArray(const std::function<Status(const std::string&)>& each);
  // A string (passed to `each`, its errors at the key's line) or an array of
  // strings (as StringArray): keys that usually hold one value but may hold more.
  bool StringOrArray(const std::function<Status(const std::string&)>& each);

 private:
  bool Int64(int64_t lo, int64_t hi, int64_t* out);
  bool Choice(const std::vector<std::string_view>& names, size_t* index);
  bool Real(std::string_view expected, double* out);
  bool FailAt(uint32_t line, std::string_view message);
  bool ExpectType(int type);

  const std::string& file_;
  std::string name_;
  const Node& node_;
  const Dialect& dialect_;
  std::string error_;
};

// How a key's new value takes effect when the file is reloaded (SIGHUP). Live
// keys (the default) apply at once; a restart-only key names the Config field
// it sets, so that a reload can tell whether it changed and keep the running
// value until the next start (Schema::Reload). Make one with RestartOnly<>.
template <typename Config>
struct RestartRule {
  bool (*same)(const Config& a, const Config& b) = nullptr;  // null: the key applies live
  void (*keep)(Config& next, const Config& running) = nullptr;
};

namespace detail {
template <typename T>
struct MemberOf;
template <typename C, typename M>
struct MemberOf<M C::*> {
  using Class = C;
};
}  // namespace detail

// The rule of a restart-only key stored at config.*First.*Rest..., e.g.
// RestartOnly<&Config::http, &HttpConfig::listen>() (the field needs ==).
template <auto First, auto... Rest>
constexpr RestartRule<typename detail::MemberOf<decltype(First)>::Class> RestartOnly() {
  using Config = typename detail::MemberOf<decltype(First)>::Class;
  return {[](const Config& a, const Config& b) {
            return ((a.*First) .* ... .* Rest) == ((b.*First) .* ... .* Rest);
          },
          [](Config& next, const Config& running) {
            ((next.*First) .* ... .* Rest) = ((running.*First) .* ... .* Rest);
          }};
}

template <typename Config>
struct Key {
  std::string_view name;
  bool (*set)(Field&, Config&);
  RestartRule<Config> restart = {};  // default: applies live
};

template <typename Config>
struct Section {
  std::string_view name;
  std::vector<Key<Config>> keys;
  // Set for a section that may also be an array of tables ([[name]]): called
  // before the keys of element `index` (0-based) are applied, so that the
  // setters write that element. Its keys' names in errors and KeyLines are
  // "name[N].key", N counted from 1.
  void (*begin_element)(Config& config, size_t index) = nullptr;
};

// The line each applied key was set on, by "section.key".
using KeyLines = std::map<std::string, uint32_t>;
// Line of the first of `names` that was set, else 0.
uint32_t FirstLine(const KeyLines& lines, std::initializer_list<std::string_view> names);

namespace detail {
// A schema bound to one Config being filled in.
class Keys {
 public:
  virtual bool HasSection(std::string_view section) const = 0;
  // False unless the section may be an array of tables; else starts element `index`.
  virtual bool BeginElement(std::string_view section, size_t index) = 0;
  virtual bool HasKey(std::string_view section, std::string_view key) const = 0;
  virtual bool Set(std::string_view section, std::string_view key, Field& field) = 0;

 protected:
  ~Keys() = default;
};
// Parses `text` and applies every key; fills *lines.
Status Apply(std::string_view text, const std::string& name, const Dialect& dialect, Keys& keys,
             KeyLines* lines);
}  // namespace detail

template <typename Config>
class Schema {
 public:
  // A rule across keys, run after all keys are applied: "" if `config` is
  // fine, else the message, reported at *line (0 unless set; see FirstLine).
  using Check = std::string (*)(const Config& config, const KeyLines& lines, uint32_t* line);
  // Runs after every key is applied and before the Check: fills derived
  // fields (e.g. a single [source] table into the list [[source]] fills).
  using Finish = void (*)(Config& config);

  Schema(Dialect dialect, std::vector<Section<Config>> sections, Check check = nullptr,
         Finish finish = nullptr)
      : dialect_(dialect), sections_(std::move(sections)), check_(check), finish_(finish) {}

  // Loads `text` (named `name` in errors) over a default Config whose `file`
  // is `name`; *out is written only on success.
  Status Parse(std::string_view text, const std::string& name, Config* out) const {
    try {
      Config config;
      config.file = name;
      Bound bound(*this, config);
      KeyLines lines;
      if (Status s = detail::Apply(text, name, dialect_, bound, &lines); !s.ok()) return s;
      if (finish_) finish_(config);
      if (check_) {
        uint32_t line = 0;
        std::string problem = check_(config, lines, &line);
        if (!problem.empty()) return Status::Error(Located(name, line, problem));
      }
      *out = std::move(config);
      return Status::Ok();
    } catch (const std::exception& e) {
      return Status::Error(name + ": " + e.what());
    }
  }

  // Reads the file at `path`, then Parse.
  Status Load(const std::string& path, Config* out) const {
    std::string text;
    if (Status s = ReadFile(path, &text); !s.ok()) return s;
    return Parse(text, path, out);
  }

  // A reload: `loaded` is the file just loaded (Load/Parse). Every restart-only
  // key whose value differs from `running` gets the running value back and is
  // named ("section.key") in *kept, in schema order, for the caller's warning;
  // everything else is the new value.
  void KeepRestartOnly(const Config& running, Config* loaded,
                       std::vector<std::string>* kept) const {
    for (const Section<Config>& section : sections_) {
      for (const Key<Config>& key : section.keys) {
        if (!key.restart.same || key.restart.same(*loaded, running)) continue;
        key.restart.keep(*loaded, running);
        kept->push_back(std::string(section.name) + "." + std::string(key.name));
      }
    }
  }

  // "section.key" of every restart-only key (documentation, tests).
  std::vector<std::string> RestartOnlyKeys() const {
    std::vector<std::string> out;
    for (const Section<Config>& section : sections_) {
      for (const Key<Config>& key : section.keys) {
        if (key.restart.same) out.push_back(std::string(section.name) + "." + std::string(key.name));
      }
    }
    return out;
  }

 private:
  class Bound final : public detail::Keys {
   public:
    Bound(const Schema& schema, Config& config) : schema_(schema), config_(config) {}
    bool HasSection(std::string_view section) const override { return Find(section) != nullptr; }
    bool BeginElement(std::string_view section, size_t index) override {
      const Section<Config>* s = Find(section);
      if (!s || !s->begin_element) return false;
      s->begin_element(config_, index);
      return true;
    }
    bool HasKey(std::string_view section, std::string_view key) const override {
      return Find(section, key) != nullptr;
    }
    bool Set(std::string_view section, std::string_view key, Field& field) override {
      return Find(section, key)->set(field, config_);
    }

   private:
    const Section<Config>* Find(std::string_view section) const {
      for (const Section<Config>& s : schema_.sections_) {
        if (s.name == section) return &s;
      }
      return nullptr;
    }
    const Key<Config>* Find(std::string_view section, std::string_view key) const {
      const Section<Config>* s = Find(section);
      if (!s) return nullptr;
      for (const Key<Config>& k : s->keys) {
        if (k.name == key) return &k;
      }
      return nullptr;
    }

    const Schema& schema_;
    Config& config_;
  };

  Dialect dialect_;
  std::vector<Section<Config>> sections_;
  Check check_;
  Finish finish_;
};

}  // namespace egd::toml_config
