<?php
/**
 * The "Flattr button" block (flattr/button): a dynamic block, rendered on the server by the same markup as
 * the shortcode, so changing the settings changes every button without re-saving posts. Its editor script
 * (block/index.js) is plain JavaScript on the editor's globals, with its dependencies in index.asset.php.
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'init',
	function () {
		register_block_type(
			dirname( __DIR__ ) . '/block',
			array( 'render_callback' => 'flattr_button_render_block' )
		);
	}
);

/**
 * @param array $attributes The block's attributes (block.json): url, title, size, showCount.
 */
function flattr_button_render_block( $attributes ) {
	$settings = flattr_button_settings();
	$args     = array(
		'size'       => $attributes['size'] ?? $settings['size'],
		'show_count' => $attributes['showCount'] ?? $settings['show_count'],
	);
	if ( ! empty( $attributes['url'] ) ) {
		$args['url']   = $attributes['url'];
		$args['title'] = $attributes['title'] ?? '';
	}
	$button = flattr_button_markup( $args );
	return '' === $button ? '' : sprintf( '<div %s>%s</div>', get_block_wrapper_attributes(), $button );
}
