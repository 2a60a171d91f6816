/**
 * The block's editor side, without a build step: plain JavaScript on the editor's globals. The button itself
 * is rendered by PHP (flattr_button_render_block), so `save` stores only the block's comment and attributes.
 */
( function ( blocks, element, blockEditor, components, i18n ) {
	var el = element.createElement;
	var __ = i18n.__;

	blocks.registerBlockType( 'flattr/button', {
		edit: function ( props ) {
			var attributes = props.attributes;
			var set = props.setAttributes;
			var blockProps = blockEditor.useBlockProps( { className: 'flattr-button-block-placeholder' } );
			return el(
				element.Fragment,
				null,
				el(
					blockEditor.InspectorControls,
					null,
					el(
						components.PanelBody,
						{ title: __( 'Flattr button', 'flattr-button' ) },
						el( components.SelectControl, {
							label: __( 'Size', 'flattr-button' ),
							value: attributes.size || '',
							options: [
								{ label: __( 'As in Settings → Flattr', 'flattr-button' ), value: '' },
								{ label: __( 'Compact', 'flattr-button' ), value: 'compact' },
								{ label: __( 'Large', 'flattr-button' ), value: 'large' },
							],
							onChange: function ( value ) { set( { size: value || undefined } ); },
						} ),
						el( components.ToggleControl, {
							label: __( 'Show the flattr count', 'flattr-button' ),
							checked: attributes.showCount !== false,
							onChange: function ( value ) { set( { showCount: value } ); },
						} ),
						el( components.TextControl, {
							label: __( 'Address to flattr (empty: this post)', 'flattr-button' ),
							type: 'url',
							value: attributes.url || '',
							onChange: function ( value ) { set( { url: value || undefined } ); },
						} )
					)
				),
				el(
					'div',
					blockProps,
					el( 'span', { className: 'dashicons dashicons-heart', 'aria-hidden': 'true' } ),
					' ',
					attributes.url
						? __( 'Flattr button for', 'flattr-button' ) + ' ' + attributes.url
						: __( 'Flattr button for this post', 'flattr-button' )
				)
			);
		},
		save: function () {
			return null;
		},
	} );
} )( window.wp.blocks, window.wp.element, window.wp.blockEditor, window.wp.components, window.wp.i18n );
