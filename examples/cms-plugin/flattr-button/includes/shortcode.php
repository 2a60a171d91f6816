<?php
/**
 * [flattr] shortcode: [flattr], [flattr size="large" count="no"], [flattr url="https://…" title="…" creator="…"].
 * Flattr's old attribute names work too: uid (creator), button="compact", language, category, tags.
 */

defined( 'ABSPATH' ) || exit;

add_shortcode(
	'flattr',
	function ( $atts ) {
		$atts     = shortcode_atts(
			array(
				'url'      => get_permalink(),
				'title'    => get_the_title(),
				'creator'  => '',
				'uid'      => '',
				'size'     => '',
				'button'   => '',
				'count'    => '',
				'lang'     => '',
				'language' => '',
				'category' => '',
				'tags'     => '',
			),
			$atts,
			'flattr'
		);
		$settings = flattr_button_settings();
		$size     = $atts['size'];
		if ( '' === $size && '' !== $atts['button'] ) {
			$size = 'compact' === $atts['button'] ? 'compact' : 'large';
		}
		return flattr_button_markup(
			array(
				'url'        => $atts['url'],
				'title'      => $atts['title'],
				'creator'    => $atts['creator'] ? $atts['creator'] : ( $atts['uid'] ? $atts['uid'] : $settings['creator'] ),
				'size'       => $size ? $size : $settings['size'],
				'show_count' => '' === $atts['count'] ? $settings['show_count'] : $atts['count'],
				'lang'       => $atts['lang'] ? $atts['lang'] : str_replace( '_', '-', $atts['language'] ),
				'category'   => $atts['category'],
				'tags'       => $atts['tags'],
			)
		);
	}
);
