/*
 * svc_acct.c — the live service's principals, tenants and users (see
 * svc.h): the store's rows mirrored in memory, users under their own lock
 * (umu) so that authenticating a request never waits for a pass.
 */
#include "api/svc.h"
#include "api/svc_int.h"

#include <stdio.h>
#include <string.h>

#include "util/vec.h"

/* ---- Principals, tenants, users ---------------------------------------------- */

int
svc_principal(struct svc *s, uint32_t user, struct auth_principal *p)
{
	int rc = ERR_NOTFOUND;

	pthread_mutex_lock(&s->umu);
	if (user > 0 && user < s->users.n && s->users.v[user].id == user) {
		const struct db_user *u = &s->users.v[user];
		p->user = user;
		p->tenant = u->tenant;
		p->role = u->role;
		snprintf(p->name, sizeof p->name, "%s", u->name);
		rc = 0;
	}
	pthread_mutex_unlock(&s->umu);
	return rc;
}

int
svc_user_get(struct svc *s, uint32_t id, uint32_t *tenant, int *role)
{
	struct auth_principal p;
	int rc = svc_principal(s, id, &p);

	if (rc == 0) {
		*tenant = p.tenant;
		*role = p.role;
	}
	return rc;
}

int
svc_tenant_find(struct svc *s, const char *name, uint32_t *id)
{
	int rc = ERR_NOTFOUND;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 1; i < s->tenants.n; i++)
		if (s->tenants.v[i].id != 0 && strcmp(s->tenants.v[i].name, name) == 0) {
			*id = (uint32_t)i;
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
svc_user_find(struct svc *s, const char *name, uint32_t *id)
{
	int rc = ERR_NOTFOUND;

	pthread_mutex_lock(&s->umu);
	for (size_t i = 1; i < s->users.n; i++)
		if (s->users.v[i].id != 0 && strcmp(s->users.v[i].name, name) == 0) {
			*id = (uint32_t)i;
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&s->umu);
	return rc;
}

int
svc_tenant_put(struct svc *s, const char *name, const char *parent,
	       uint32_t shares, uint32_t *id, struct err *e)
{
	uint32_t pid = 0;
	int rc;

	if (parent != NULL && svc_tenant_find(s, parent, &pid) != 0)
		return err_set(e, ERR_NOTFOUND, "parent: no tenant \"%s\"", parent);
	if ((rc = db_tenant_put(s->db, name, parent, shares, id, e)) < 0)
		return rc;
	pthread_mutex_lock(&s->mu);
	while (s->tenants.n <= *id)
		vec_push(&s->tenants, ((struct db_tenant){0}));
	s->tenants.v[*id].id = *id;
	s->tenants.v[*id].parent = pid;
	s->tenants.v[*id].shares = shares;
	snprintf(s->tenants.v[*id].name, DB_NAME_MAX, "%s", name);
	svc__tenants_changed(s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
svc_user_put(struct svc *s, const char *name, uint32_t tenant, int role,
	     uint32_t *id, struct err *e)
{
	int rc;

	if ((rc = db_user_put(s->db, name, tenant, role, id, e)) < 0)
		return rc;
	pthread_mutex_lock(&s->umu);
	while (s->users.n <= *id)
		vec_push(&s->users, ((struct db_user){0}));
	s->users.v[*id] = (struct db_user){*id, tenant, role, {0}};
	snprintf(s->users.v[*id].name, DB_NAME_MAX, "%s", name);
	pthread_mutex_unlock(&s->umu);
	return rc;
}

const char *
svc__tenant_name(struct svc *s, uint32_t t)
{
	return t > 0 && t < s->tenants.n ? s->tenants.v[t].name : "?";
}

const char *
svc__user_name(struct svc *s, uint32_t u, char buf[DB_NAME_MAX])
{
	pthread_mutex_lock(&s->umu);
	snprintf(buf, DB_NAME_MAX, "%s", u > 0 && u < s->users.n ?
		 s->users.v[u].name : "?");
	pthread_mutex_unlock(&s->umu);
	return buf;
}
