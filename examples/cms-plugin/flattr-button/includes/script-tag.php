<?php
/**
 * The service's script tag, once per page: async (it never blocks rendering), with the service in data-api.
 * WordPress 6.3+ writes `async` itself from the `strategy`; older versions (Debian's 6.1, say) take the
 * fifth argument as "in footer" and get `async` from the filter below.
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'wp_enqueue_scripts',
	function () {
		$api = flattr_button_api();
		if ( $api ) {
			wp_enqueue_script( 'flattr-button', $api . '/widget/flattr.js', array(), null, array( 'strategy' => 'async' ) );
		}
	}
);

add_filter(
	'script_loader_tag',
	function ( $tag, $handle ) {
		if ( 'flattr-button' !== $handle ) {
			return $tag;
		}
		$attributes = sprintf( ' data-api="%s" data-flattr-loader', esc_attr( flattr_button_api() ) );
		if ( ! preg_match( '/<script\b[^>]*\basync\b/', $tag ) ) {
			$attributes = ' async' . $attributes;
		}
		return preg_replace( '/<script\b/', '<script' . $attributes, $tag, 1 );
	},
	10,
	2
);
