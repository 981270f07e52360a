// cshared's accelerator: one small module per Node ABI (NODE_MODULE_VERSION),
// built from this file against that Node's headers (accel/build.js). It
// makes `invf`, the zero-argument function the wrappers of scalar functions
// call (crates/core/src/call/codegen.rs), as a V8 function with a fast C
// function: once the calling JS is optimized, V8 calls FastCall directly,
// with no Node-API in between. Both paths call cshared's `call` from the
// table cshared hands over (accel/cshared-fast.h), which makes the C call
// from the shared buffer, or returns 0 and leaves it to the Node-API path.
//
// The fast function takes only the receiver and returns an int32. It never
// uses int64: on V8 11.3 (Node 20) an int64 result aborts the process while
// V8 optimizes the caller (__test__/fast.test.js shows it with a probe).
//
// Built with -DCSHARED_FAST_PROBES for the tests only: probe functions and
// counters that check the V8 behaviour this design depends on.
#include <node.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "cshared-fast.h"
#include "v8-fast.h"

namespace {

using v8::Context;
using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Object;
using v8::Value;
namespace cv = cshared_v8;

// The tables of the cshared copies in this process (more than one when
// several installs of cshared share this file): a fast function each, since
// the fast path has no data to tell them apart.
constexpr int kSlots = 4;
std::atomic<const cshared_fast_table*> g_tables[kSlots];

template <int N>
int32_t FastCall(void* /* receiver */) {
  return g_tables[N].load(std::memory_order_relaxed)->call(1);
}

template <int N>
void SlowCall(const FunctionCallbackInfo<Value>& info) {
  info.GetReturnValue().Set(g_tables[N].load(std::memory_order_relaxed)->call(0));
}

// int32_t (receiver): the receiver only, so V8 14 (which takes the fast
// path only when the argument count matches) takes it for `invf()`.
constexpr cv::CTypeInfo kArgs[1] = {cv::MakeType(cv::kV8Value)};
constexpr cv::CFunctionInfo kInfo = cv::MakeInfo(cv::kInt32, 1, kArgs);
const cv::CFunction kFast[kSlots] = {
    {reinterpret_cast<const void*>(&FastCall<0>), &kInfo},
    {reinterpret_cast<const void*>(&FastCall<1>), &kInfo},
    {reinterpret_cast<const void*>(&FastCall<2>), &kInfo},
    {reinterpret_cast<const void*>(&FastCall<3>), &kInfo},
};
const v8::FunctionCallback kSlow[kSlots] = {SlowCall<0>, SlowCall<1>, SlowCall<2>, SlowCall<3>};

void Throw(Isolate* isolate, const char* message) {
  isolate->ThrowException(
      v8::Exception::Error(v8::String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

Local<v8::Function> FastFunction(Isolate* isolate, Local<Context> context, v8::FunctionCallback slow,
                                 const cv::CFunction* fast, const char* name) {
  Local<v8::FunctionTemplate> t = v8::FunctionTemplate::New(
      isolate, slow, Local<Value>(), Local<v8::Signature>(), 0, v8::ConstructorBehavior::kThrow,
      v8::SideEffectType::kHasSideEffect, reinterpret_cast<const v8::CFunction*>(fast));
  Local<v8::Function> f = t->GetFunction(context).ToLocalChecked();
  f->SetName(v8::String::NewFromUtf8(isolate, name).ToLocalChecked());
  return f;
}

const cshared_fast_table* TableAt(const FunctionCallbackInfo<Value>& info) {
  if (info.Length() != 2 || !info[0]->IsUint32() || !info[1]->IsUint32()) return nullptr;
  Local<Context> context = info.GetIsolate()->GetCurrentContext();
  uint64_t lo = info[0]->Uint32Value(context).FromJust();
  uint64_t hi = info[1]->Uint32Value(context).FromJust();
  return reinterpret_cast<const cshared_fast_table*>(static_cast<uintptr_t>(hi << 32 | lo));
}

// make(lo, hi): `invf` for the table at address hi:lo.
void Make(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  const cshared_fast_table* table = TableAt(info);
  if (table == nullptr || table->magic != CSHARED_FAST_MAGIC) {
    return Throw(isolate, "make(lo, hi): not a cshared fast-call table");
  }
  if (table->version != CSHARED_FAST_VERSION || table->call == nullptr) {
    return Throw(isolate, "make(lo, hi): a cshared fast-call table of another version");
  }
  int slot = -1;
  for (int i = 0; i < kSlots && slot < 0; i++) {
    const cshared_fast_table* expected = nullptr;
    if (g_tables[i].compare_exchange_strong(expected, table) || expected == table) slot = i;
  }
  if (slot < 0) return Throw(isolate, "make(lo, hi): too many copies of cshared in this process");
  info.GetReturnValue().Set(
      FastFunction(isolate, isolate->GetCurrentContext(), kSlow[slot], &kFast[slot], "invf"));
}

Local<Object> Describe(Isolate* isolate, const cv::CFunctionInfo& fi) {
  Local<Context> context = isolate->GetCurrentContext();
  Local<Object> o = Object::New(isolate);
  Local<v8::Array> args = v8::Array::New(isolate, fi.arg_count);
  for (unsigned i = 0; i < fi.arg_count; i++) {
    args->Set(context, i, v8::Integer::New(isolate, fi.arg_info[i].type)).Check();
  }
  o->Set(context, v8::String::NewFromUtf8Literal(isolate, "result"), v8::Integer::New(isolate, fi.return_info.type))
      .Check();
  o->Set(context, v8::String::NewFromUtf8Literal(isolate, "args"), args).Check();
  return o;
}

// signature(): the type codes of every fast function this build registers
// (the tests check that none returns a 64-bit integer).
void Signature(const FunctionCallbackInfo<Value>& info) {
  info.GetReturnValue().Set(Describe(info.GetIsolate(), kInfo));
}

#ifdef CSHARED_FAST_PROBES
// ----- probes, for the tests of the rules the fast path depends on -----
int64_t g_fast = 0, g_slow = 0;

void ProbeVoidFast(void*) { g_fast++; }
void ProbeVoidSlow(const FunctionCallbackInfo<Value>&) { g_slow++; }
constexpr cv::CFunctionInfo kVoidInfo = cv::MakeInfo(cv::kVoid, 1, kArgs);
const cv::CFunction kVoidFast = {reinterpret_cast<const void*>(&ProbeVoidFast), &kVoidInfo};

int32_t ProbeAddFast(void*, int32_t a, int32_t b) {
  g_fast++;
  return a + b;
}
void ProbeAddSlow(const FunctionCallbackInfo<Value>& info) {
  g_slow++;
  Local<Context> context = info.GetIsolate()->GetCurrentContext();
  int32_t a = info[0]->Int32Value(context).FromMaybe(0);
  int32_t b = info[1]->Int32Value(context).FromMaybe(0);
  info.GetReturnValue().Set(a + b);
}
constexpr cv::CTypeInfo kAddArgs[3] = {cv::MakeType(cv::kV8Value), cv::MakeType(cv::kInt32),
                                       cv::MakeType(cv::kInt32)};
constexpr cv::CFunctionInfo kAddInfo = cv::MakeInfo(cv::kInt32, 3, kAddArgs);
const cv::CFunction kAddFast = {reinterpret_cast<const void*>(&ProbeAddFast), &kAddInfo};

int64_t ProbeI64Fast(void*) {
  g_fast++;
  return 7;
}
void ProbeI64Slow(const FunctionCallbackInfo<Value>& info) {
  g_slow++;
  info.GetReturnValue().Set(7);
}
constexpr cv::CFunctionInfo kI64Info = cv::MakeInfo(cv::kInt64, 1, kArgs);
const cv::CFunction kI64Fast = {reinterpret_cast<const void*>(&ProbeI64Fast), &kI64Info};

// A stand-in for cshared's table: counts its calls by way, returns g_result.
int64_t g_table_calls[2] = {0, 0};
int32_t g_result = 1;
int32_t TestCall(int32_t via) {
  g_table_calls[via == 1 ? 1 : 0]++;
  return g_result;
}
const cshared_fast_table kTestTable = {CSHARED_FAST_MAGIC, CSHARED_FAST_VERSION, TestCall};

void ProbeVoid(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  info.GetReturnValue().Set(FastFunction(isolate, isolate->GetCurrentContext(), ProbeVoidSlow, &kVoidFast, "probeVoid"));
}
void ProbeAdd(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  info.GetReturnValue().Set(FastFunction(isolate, isolate->GetCurrentContext(), ProbeAddSlow, &kAddFast, "probeAdd"));
}
void ProbeI64(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  info.GetReturnValue().Set(FastFunction(isolate, isolate->GetCurrentContext(), ProbeI64Slow, &kI64Fast, "probeI64"));
}
void Counts(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  Local<Object> o = Object::New(isolate);
  auto set = [&](const char* k, int64_t v) {
    o->Set(context, v8::String::NewFromUtf8(isolate, k).ToLocalChecked(), v8::Number::New(isolate, double(v))).Check();
  };
  set("fast", g_fast);
  set("slow", g_slow);
  set("tableFast", g_table_calls[1]);
  set("tableSlow", g_table_calls[0]);
  info.GetReturnValue().Set(o);
}
void Reset(const FunctionCallbackInfo<Value>& info) {
  g_fast = g_slow = g_table_calls[0] = g_table_calls[1] = 0;
  if (info.Length() == 1 && info[0]->IsInt32()) g_result = info[0].As<v8::Int32>()->Value();
}
void TestTable(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  uint64_t a = reinterpret_cast<uintptr_t>(&kTestTable);
  Local<v8::Array> r = v8::Array::New(isolate, 2);
  r->Set(context, 0, v8::Number::New(isolate, double(a & 0xffffffffu))).Check();
  r->Set(context, 1, v8::Number::New(isolate, double(a >> 32))).Check();
  info.GetReturnValue().Set(r);
}
#endif

void SetMethod(Isolate* isolate, Local<Context> context, Local<Object> exports, const char* name,
               v8::FunctionCallback f) {
  Local<v8::Function> fn = v8::FunctionTemplate::New(isolate, f)->GetFunction(context).ToLocalChecked();
  exports->Set(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(), fn).Check();
}

}  // namespace

#define CSHARED_STR2(x) #x
#define CSHARED_STR(x) CSHARED_STR2(x)

NODE_MODULE_INIT(/* exports, module, context */) {
  Isolate* isolate = Isolate::GetCurrent();
  auto str = [&](const char* s) { return v8::String::NewFromUtf8(isolate, s).ToLocalChecked(); };
#ifdef CSHARED_FAST_BUILT_FOR
  // Tests only: a build that claims another V8 (__test__/fast.test.js).
  const char* built = CSHARED_FAST_BUILT_FOR;
#else
  const char* built = CSHARED_STR(V8_MAJOR_VERSION) "." CSHARED_STR(V8_MINOR_VERSION);
#endif
  exports->Set(context, str("abi"), v8::Integer::New(isolate, NODE_MODULE_VERSION)).Check();
  exports->Set(context, str("v8"), str(built)).Check();
  // The declarations in v8-fast.h hold for the V8 they were written for:
  // in any other, the accelerator offers nothing and cshared goes on
  // without it.
  const char* running = v8::V8::GetVersion();
  size_t n = strlen(built);
  if (strncmp(running, built, n) != 0 || running[n] != '.') {
    char message[160];
    snprintf(message, sizeof message, "built for V8 %s, running in V8 %s", built, running);
    exports->Set(context, str("error"), str(message)).Check();
    return;
  }
  SetMethod(isolate, context, exports, "make", Make);
  SetMethod(isolate, context, exports, "signature", Signature);
#ifdef CSHARED_FAST_PROBES
  SetMethod(isolate, context, exports, "probeVoid", ProbeVoid);
  SetMethod(isolate, context, exports, "probeAdd", ProbeAdd);
  SetMethod(isolate, context, exports, "probeI64", ProbeI64);
  SetMethod(isolate, context, exports, "counts", Counts);
  SetMethod(isolate, context, exports, "reset", Reset);
  SetMethod(isolate, context, exports, "testTable", TestTable);
#endif
}
