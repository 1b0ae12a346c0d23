/* Object tables: the density rule libwayland enforces on new ids, and the
 * renumbering that keeps upstream ids dense around objects the filter
 * implements itself. */
#include "objects.h"
#include "wire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-client-protocol.h>

#include <cmocka.h>

static void test_client_ids_dense(void **state)
{
	(void)state;
	struct wlf_objects o;
	wlf_objects_init(&o, 100);
	uint32_t up;
	assert_int_equal(wlf_obj_new_client(&o, 1, &wl_display_interface, 1, true, &up), 0);
	assert_int_equal(up, 1);
	assert_int_equal(wlf_obj_new_client(&o, 2, &wl_registry_interface, 1, true, &up), 0);
	/* Skipping ahead, reusing a live id, server ids and 0 are refused. */
	assert_int_equal(wlf_obj_new_client(&o, 4, &wl_callback_interface, 1, true, &up), -EINVAL);
	assert_int_equal(wlf_obj_new_client(&o, 2, &wl_callback_interface, 1, true, &up), -EEXIST);
	assert_int_equal(
	    wlf_obj_new_client(&o, WLF_SERVER_ID_START, &wl_callback_interface, 1, true, &up),
	    -EINVAL);
	assert_int_equal(wlf_obj_new_client(&o, 0, &wl_callback_interface, 1, true, &up), -EINVAL);
	assert_null(wlf_obj_get(&o, 3));
	assert_int_equal(wlf_obj_new_client(&o, 3, &wl_callback_interface, 1, true, &up), 0);
	assert_ptr_equal(wlf_obj_get(&o, 3)->iface, &wl_callback_interface);
	/* A freed id may be taken again. */
	wlf_obj_remove(&o, 2);
	assert_null(wlf_obj_get(&o, 2));
	assert_int_equal(wlf_obj_new_client(&o, 2, &wl_registry_interface, 1, true, &up), 0);
	wlf_objects_free(&o);
}

static void test_renumbering(void **state)
{
	(void)state;
	struct wlf_objects o;
	wlf_objects_init(&o, 100);
	uint32_t up;
	wlf_obj_new_client(&o, 1, &wl_display_interface, 1, true, &up);
	/* Client id 2 is the filter's own: upstream never hears of it. */
	assert_int_equal(
	    wlf_obj_new_client(&o, 2, &wl_data_device_manager_interface, 3, false, &up), 0);
	assert_int_equal(wlf_obj_get(&o, 2)->peer, 0);
	/* So client id 3 is upstream id 2: no gap upstream. */
	assert_int_equal(wlf_obj_new_client(&o, 3, &wl_registry_interface, 1, true, &up), 0);
	assert_int_equal(up, 2);
	assert_int_equal(wlf_obj_from_upstream(&o, 2), 3);
	assert_int_equal(wlf_obj_get(&o, 3)->peer, 2);
	/* Upstream's delete_id frees both ids; the upstream id is reused. */
	wlf_obj_remove(&o, 3);
	assert_int_equal(wlf_obj_from_upstream(&o, 2), 0);
	assert_int_equal(wlf_obj_new_client(&o, 3, &wl_callback_interface, 1, true, &up), 0);
	assert_int_equal(up, 2);
	wlf_objects_free(&o);
}

static void test_server_ids(void **state)
{
	(void)state;
	struct wlf_objects o;
	wlf_objects_init(&o, 100);
	uint32_t id, old;
	int dummy;
	/* The filter's own server objects and upstream's share one dense range. */
	assert_int_equal(wlf_obj_new_local(&o, &wl_data_offer_interface, 3, &dummy, &id), 0);
	assert_int_equal(id, WLF_SERVER_ID_START);
	assert_int_equal(
	    wlf_obj_new_upstream(&o, WLF_SERVER_ID_START, &wl_data_offer_interface, 3, &id, &old),
	    0);
	assert_int_equal(id, WLF_SERVER_ID_START + 1);
	assert_int_equal(old, 0);
	assert_int_equal(wlf_obj_from_upstream(&o, WLF_SERVER_ID_START), WLF_SERVER_ID_START + 1);
	/* Upstream reusing its id replaces the object it named. */
	assert_int_equal(
	    wlf_obj_new_upstream(&o, WLF_SERVER_ID_START, &wl_data_offer_interface, 3, &id, &old),
	    0);
	assert_int_equal(old, WLF_SERVER_ID_START + 1);
	assert_int_equal(id, WLF_SERVER_ID_START + 1);
	/* Upstream skipping ahead or using client ids is refused. */
	assert_int_equal(wlf_obj_new_upstream(&o, WLF_SERVER_ID_START + 5, &wl_data_offer_interface,
					      3, &id, &old),
			 -EINVAL);
	assert_int_equal(wlf_obj_new_upstream(&o, 7, &wl_data_offer_interface, 3, &id, &old),
			 -EINVAL);
	/* A freed local id is handed out again. */
	wlf_obj_remove(&o, WLF_SERVER_ID_START);
	assert_int_equal(wlf_obj_new_local(&o, &wl_data_offer_interface, 3, &dummy, &id), 0);
	assert_int_equal(id, WLF_SERVER_ID_START);
	wlf_objects_free(&o);
}

static void test_limit(void **state)
{
	(void)state;
	struct wlf_objects o;
	wlf_objects_init(&o, 3);
	uint32_t up;
	for (uint32_t i = 1; i <= 3; i++)
		assert_int_equal(wlf_obj_new_client(&o, i, &wl_callback_interface, 1, true, &up),
				 0);
	assert_int_equal(wlf_obj_new_client(&o, 4, &wl_callback_interface, 1, true, &up), -ENOSPC);
	uint32_t id;
	for (int i = 0; i < 3; i++)
		assert_int_equal(wlf_obj_new_local(&o, &wl_data_offer_interface, 3, NULL, &id), 0);
	assert_int_equal(wlf_obj_new_local(&o, &wl_data_offer_interface, 3, NULL, &id), -ENOSPC);
	wlf_objects_free(&o);
}

static void count(uint32_t id, struct wlf_obj *obj, void *ud)
{
	(void)id;
	(void)obj;
	(*(int *)ud)++;
}

static void test_each(void **state)
{
	(void)state;
	struct wlf_objects o;
	wlf_objects_init(&o, 100);
	uint32_t up, id;
	wlf_obj_new_client(&o, 1, &wl_display_interface, 1, true, &up);
	wlf_obj_new_client(&o, 2, &wl_registry_interface, 1, true, &up);
	wlf_obj_new_local(&o, &wl_data_offer_interface, 3, NULL, &id);
	wlf_obj_remove(&o, 2);
	int n = 0;
	wlf_objects_each(&o, count, &n);
	assert_int_equal(n, 2);
	wlf_objects_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_ids_dense),
	    cmocka_unit_test(test_renumbering),
	    cmocka_unit_test(test_server_ids),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
