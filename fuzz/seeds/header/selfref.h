/* Records that refer to themselves: these leaked (an Arc cycle) before the
   type model stopped owning pointers to incomplete records. */
struct node { struct node *next; int v; };
typedef struct api api;
struct api { int (*f)(api *self, struct node *n); api *parent; };
typedef struct list { struct list *(*walk)(struct list *); union { struct list *l; int i; } u; } list;
struct outer { struct inner { struct outer *up; } in; };
int api_call(api *a, list *l, struct node n);
