<?php
/**
 * What machines read: the ownership proof and rel="payment" links.
 *
 * - `<meta name="flattr:owner" content="<account id>">` on every page: the service's site verification
 *   fetches the home page and looks for it (so the author receives what readers give to this site's posts);
 * - `<link rel="payment" href="<service>/flattr?url=…&title=…&creator=…">` in the head of a post's page;
 * - the same link in each feed item: `<atom:link rel="payment">` in RSS 2.0 (WordPress declares the atom
 *   namespace there) and `<link rel="payment">` in Atom, so feed readers and podcast apps can offer Flattr
 *   and the service can take the post from the feed.
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'wp_head',
	function () {
		$owner = flattr_button_settings()['owner'];
		if ( flattr_button_is_account_id( $owner ) ) {
			printf( '<meta name="flattr:owner" content="%s">' . "\n", esc_attr( $owner ) );
		}
		if ( is_singular( 'post' ) ) {
			flattr_button_print_payment_link( '<link rel="payment" href="%s" type="text/html" title="%s">' . "\n" );
		}
	},
	5
);

add_action(
	'rss2_item',
	function () {
		flattr_button_print_payment_link( "\t\t" . '<atom:link rel="payment" href="%s" type="text/html" title="%s" />' . "\n" );
	}
);

add_action(
	'atom_entry',
	function () {
		flattr_button_print_payment_link( "\t\t" . '<link rel="payment" href="%s" type="text/html" title="%s" />' . "\n" );
	}
);

/**
 * Prints the current post's link to the service in `$format` (href, then title), or nothing when the
 * service is not set or the post is not public.
 */
function flattr_button_print_payment_link( $format ) {
	$post = get_post();
	if ( ! $post || 'post' !== $post->post_type || 'publish' !== $post->post_status || post_password_required( $post ) ) {
		return;
	}
	$title = html_entity_decode( wp_strip_all_tags( get_the_title( $post ) ), ENT_QUOTES, 'UTF-8' );
	$href  = flattr_button_link_url( get_permalink( $post ), $title, flattr_button_settings()['creator'] );
	if ( '' !== $href ) {
		/* translators: %s: the post's title */
		printf( $format, esc_url( $href ), esc_attr( sprintf( __( 'Flattr %s', 'flattr-button' ), $title ) ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- both escaped here
	}
}
