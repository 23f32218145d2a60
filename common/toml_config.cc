// The shared TOML loading machinery (see toml_config.h); the only file of
// egdcommon that sees toml++.
#include "common/toml_config.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <toml++/toml.h>

namespace egd::toml_config {

struct Node {
  const toml::node& node;
};

namespace {

std::string_view TypeName(toml::node_type type, const Dialect& dialect) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: break;
  }
  if (!dialect.detailed_dates) return "a date or time";
  switch (type) {
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

uint32_t LineOf(const toml::source_region& where) { return where.begin.line; }

std::string UnknownName(std::string_view key, const toml::node& node, std::string_view section,
                        const Dialect& dialect) {
  if (section.empty()) {
    return node.is_table() ? "unknown table [" + std::string(key) + "]"
                           : "unknown key '" + std::string(key) + "' outside any table";
  }
  if (dialect.nested_table_names && node.is_table()) {
    return "unknown table [" + std::string(section) + "." + std::string(key) + "]";
  }
  return "unknown key '" + std::string(key) + "' in [" + std::string(section) + "]";
}

}  // namespace

std::string Located(const std::string& file, uint32_t line, std::string_view message) {
  return file + ":" + std::to_string(line) + ": " + std::string(message);
}

Status ReadFile(const std::string& path, std::string* text) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return ErrnoStatus(path + ": cannot open");
  std::string data;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) data.append(buffer, n);
  bool failed = std::ferror(f);
  int error = errno;
  std::fclose(f);
  if (failed) return ErrnoStatus(path + ": cannot read", error);
  *text = std::move(data);
  return Status::Ok();
}

uint32_t FirstLine(const KeyLines& lines, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    auto it = lines.find(std::string(name));
    if (it != lines.end()) return it->second;
  }
  return 0;
}

Field::Field(const std::string& file, std::string name, const Node& node, const Dialect& dialect)
    : file_(file), name_(std::move(name)), node_(node), dialect_(dialect) {}

bool Field::Fail(std::string_view message) { return FailAt(LineOf(node_.node.source()), message); }

bool Field::FailAt(uint32_t line, std::string_view message) {
  error_ = Located(file_, line, name_ + ": " + std::string(message));
  return false;
}

bool Field::ExpectType(int type) {
  auto want = static_cast<toml::node_type>(type);
  if (node_.node.type() == want) return true;
  return Fail("expected " + std::string(TypeName(want, dialect_)) + ", got " +
              std::string(TypeName(node_.node.type(), dialect_)));
}

bool Field::Int64(int64_t lo, int64_t hi, int64_t* out) {
  if (!ExpectType(static_cast<int>(toml::node_type::integer))) return false;
  int64_t v = node_.node.as_integer()->get();
  if (v < lo || v > hi) {
    return Fail(std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]");
  }
  *out = v;
  return true;
}

bool Field::Bool(bool* out) {
  if (!ExpectType(static_cast<int>(toml::node_type::boolean))) return false;
  *out = node_.node.as_boolean()->get();
  return true;
}

bool Field::String(std::string* out) {
  if (!ExpectType(static_cast<int>(toml::node_type::string))) return false;
  const std::string& s = node_.node.as_string()->get();
  if (s.find('\0') != std::string::npos) return Fail("must not contain a NUL byte");
  *out = s;
  return true;
}

bool Field::NonEmptyString(std::string* out) {
  std::string s;
  if (!String(&s)) return false;
  if (s.empty()) return Fail("must not be empty");
  *out = std::move(s);
  return true;
}

bool Field::Real(std::string_view expected, double* out) {
  if (!node_.node.is_integer() && !node_.node.is_floating_point()) {
    return Fail("expected " + std::string(expected) + ", got " +
                std::string(TypeName(node_.node.type(), dialect_)));
  }
  *out = node_.node.value<double>().value_or(0);
  return true;
}

bool Field::Fraction(double* out) {
  double v;
  if (!Real("a float", &v)) return false;
  if (!(v > 0 && v <= 1)) {  // also catches nan
    std::ostringstream text;
    text << v << " is out of range (0, 1]";
    return Fail(text.str());
  }
  *out = v;
  return true;
}

bool Field::Number(double lo, double hi, double* out) {
  double v;
  if (!Real("a number", &v)) return false;
  if (!(v >= lo && v <= hi)) {  // also catches nan
    std::ostringstream text;
    text << v << " is out of range [" << lo << ", " << hi << "]";
    return Fail(text.str());
  }
  *out = v;
  return true;
}

bool Field::Choice(const std::vector<std::string_view>& names, size_t* index) {
  std::string s;
  if (!String(&s)) return false;
  std::string allowed;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == s) {
      *index = i;
      return true;
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string(names[i]);
  }
  return Fail("'" + s + "' is not one of " + allowed);
}

bool Field::OneOf(std::initializer_list<std::string_view> names, std::string* out) {
  std::vector<std::string_view> list(names);
  size_t i;
  if (!Choice(list, &i)) return false;
  *out = std::string(list[i]);
  return true;
}

bool Field::StringArray(const std::function<Status(const std::string&)>& each) {
  if (!ExpectType(static_cast<int>(toml::node_type::array))) return false;
  for (const toml::node& element : *node_.node.as_array()) {
    uint32_t line = LineOf(element.source());
    if (!element.is_string()) {
      return FailAt(line,
                    "expected strings, got " + std::string(TypeName(element.type(), dialect_)));
    }
    if (element.as_string()->get().find('\0') != std::string::npos) {
      return FailAt(line, "must not contain a NUL byte");
    }
    Status status = each(element.as_string()->get());
    if (!status.ok()) return FailAt(line, status.message());
  }
  return true;
}

bool Field::StringOrArray(const std::function<Status(const std::string&)>& each) {
  if (node_.node.is_array()) return StringArray(each);
  if (!node_.node.is_string()) {
    return Fail("expected a string or an array of strings, got " +
                std::string(TypeName(node_.node.type(), dialect_)));
  }
  std::string one;
  if (!String(&one)) return false;
  Status status = each(one);
  return status.ok() || Fail(status.message());
}

namespace detail {

// The keys of one table of `section`; `prefix` names them in errors and lines.
Status ApplyTable(const std::string& name, const Dialect& dialect, Keys& keys,
                  std::string_view section, const std::string& prefix, const toml::table& table,
                  KeyLines* lines) {
  for (const auto& [key, node] : table) {
    if (!keys.HasKey(section, key.str())) {
      return Status::Error(
          Located(name, LineOf(key.source()), UnknownName(key.str(), node, prefix, dialect)));
    }
    std::string dotted = prefix + "." + std::string(key.str());
    Node ref{node};
    Field field(name, dotted, ref, dialect);
    if (!keys.Set(section, key.str(), field)) return Status::Error(field.error());
    (*lines)[dotted] = LineOf(node.source());
  }
  return Status::Ok();
}

Status Apply(std::string_view text, const std::string& name, const Dialect& dialect, Keys& keys,
             KeyLines* lines) {
  toml::table root;
#if TOML_EXCEPTIONS
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return Status::Error(Located(name, LineOf(e.source()), e.description()));
  }
#else
  toml::parse_result result = toml::parse(text, name);
  if (!result) {
    return Status::Error(
        Located(name, LineOf(result.error().source()), result.error().description()));
  }
  root = std::move(result).table();
#endif
  for (const auto& [section, table] : root) {
    if (!keys.HasSection(section.str())) {
      return Status::Error(
          Located(name, LineOf(section.source()), UnknownName(section.str(), table, "", dialect)));
    }
    if (table.is_array() && !table.as_array()->empty() && keys.BeginElement(section.str(), 0)) {
      const toml::array& elements = *table.as_array();
      for (size_t i = 0; i < elements.size(); ++i) {
        if (!elements[i].is_table()) {
          return Status::Error(Located(name, LineOf(elements[i].source()),
                                       std::string(section.str()) + ": expected a table, got " +
                                           std::string(TypeName(elements[i].type(), dialect))));
        }
        if (i > 0) keys.BeginElement(section.str(), i);
        std::string prefix = std::string(section.str()) + "[" + std::to_string(i + 1) + "]";
        Status s = ApplyTable(name, dialect, keys, section.str(), prefix, *elements[i].as_table(),
                              lines);
        if (!s.ok()) return s;
      }
      continue;
    }
    if (!table.is_table()) {
      return Status::Error(Located(name, LineOf(table.source()),
                                   std::string(section.str()) + ": expected a table, got " +
                                       std::string(TypeName(table.type(), dialect))));
    }
    Status s = ApplyTable(name, dialect, keys, section.str(), std::string(section.str()), *table.as_table(),
                          lines);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace detail
}  // namespace egd::toml_config
